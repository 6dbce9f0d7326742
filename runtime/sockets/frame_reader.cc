#include "runtime/sockets/frame_reader.h"

#include <algorithm>

namespace amino::sockets {

std::string FrameTooLong::message() const {
  return "incoming frame of " + std::to_string(announced) + " bytes exceeds the limit of " + std::to_string(limit);
}

std::optional<FrameTooLong> FrameReader::feed(std::string_view bytes,
                                              const std::function<bool(std::string frame)>& on_frame) {
  if (error_ || stopped_) return error_;
  while (!bytes.empty()) {
    if (header_filled_ < kFrameHeaderBytes) {
      const std::size_t n = std::min(kFrameHeaderBytes - header_filled_, bytes.size());
      std::copy_n(bytes.begin(), n, header_.begin() + static_cast<std::ptrdiff_t>(header_filled_));
      header_filled_ += n;
      bytes.remove_prefix(n);
      if (header_filled_ < kFrameHeaderBytes) break;
      body_length_ = decode_frame_header(header_);
      if (body_length_ > max_frame_bytes_) {
        error_ = FrameTooLong{body_length_, max_frame_bytes_};
        return error_;
      }
    }
    // Append only what arrived: std::string grows geometrically, so capacity stays below about
    // twice the bytes received, whatever length the header announced.
    const std::size_t n = std::min(body_length_ - body_.size(), bytes.size());
    body_.append(bytes.data(), n);
    bytes.remove_prefix(n);
    if (body_.size() < body_length_) break;
    std::string frame = std::move(body_);
    body_ = std::string();
    header_filled_ = 0;
    body_length_ = 0;
    if (!on_frame(std::move(frame))) {
      stopped_ = true;
      break;
    }
  }
  return error_;
}

}  // namespace amino::sockets
