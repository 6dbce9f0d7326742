// Reassembles length-prefixed frames (framing.h) from a byte stream, without sockets, so that it can
// be unit-tested and fuzzed on its own.
//
// Memory: a header announcing more than the current limit is an error before anything is allocated,
// and the buffer of a frame grows only as its bytes arrive (never reserved from the announced
// length), so a peer that announces 16 MiB and stalls costs what it actually sent, not 16 MiB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/sockets/framing.h"

namespace amino::sockets {

// A header announced a frame longer than the limit. The stream cannot be resynchronized after it.
struct FrameTooLong {
  std::uint64_t announced = 0;
  std::size_t limit = 0;
  std::string message() const;
};

class FrameReader {
 public:
  explicit FrameReader(std::size_t max_frame_bytes) : max_frame_bytes_(max_frame_bytes) {}

  // Applies from the next header on; a frame already being read keeps the limit it was checked at.
  void set_max_frame_bytes(std::size_t limit) { max_frame_bytes_ = limit; }
  std::size_t max_frame_bytes() const { return max_frame_bytes_; }

  // Consumes `bytes`, calling on_frame for each whole frame in order. on_frame runs before the next
  // header is checked, so it may change the limit (e.g. once a handshake completes); it returns
  // false to stop (the rest of `bytes` is then dropped and the reader refuses further input).
  // Returns the error once a header is over the limit; every later call returns it again.
  std::optional<FrameTooLong> feed(std::string_view bytes, const std::function<bool(std::string frame)>& on_frame);

  // Bytes held for the frame being reassembled (header bytes included).
  std::size_t buffered_bytes() const { return header_filled_ + body_.size(); }
  // Capacity actually allocated for it: at most a small multiple of buffered_bytes().
  std::size_t buffer_capacity() const { return body_.capacity(); }

 private:
  std::size_t max_frame_bytes_;
  FrameHeader header_{};
  std::size_t header_filled_ = 0;
  std::size_t body_length_ = 0;  // valid once header_filled_ == kFrameHeaderBytes
  std::string body_;
  std::optional<FrameTooLong> error_;
  bool stopped_ = false;
};

}  // namespace amino::sockets
