// Fuzz target: what a sockets connection does with the bytes it reads (runtime/sockets/): the
// FrameReader at kMaxHandshakeFrameBytes feeding the Handshake, the limit raised once it completes,
// then data frames decoded as the RPC layer and the kernel decode them. Input format:
// fuzz/handshake_input.h. Properties:
//   - nothing crashes, throws or grows: the reader holds at most limit + header bytes and about
//     twice what it buffered; every frame a handshake sends fits the peer's pre-auth limit;
//   - a stranger never completes a keyed handshake (it lacks the key);
//   - in the relay, a responder that completes names the real initiator, and an initiator that
//     completes heard the real responder's reply: no tampering, replay or forgery gets through;
//   - an untampered relay completes on both sides, and a failed handshake stays failed.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/stubs/logging.h>

#include "amino.pb.h"
#include "fuzz/fuzz_check.h"
#include "fuzz/handshake_input.h"
#include "runtime/protocol.h"
#include "runtime/sockets/frame_reader.h"
#include "runtime/sockets/handshake.h"
#include "runtime/wire.h"

namespace {

using namespace amino::fuzz::handshake_input;
using amino::fuzz::check;
using amino::sockets::FrameReader;
using amino::sockets::Handshake;
using amino::sockets::HandshakeConfig;
using amino::sockets::HandshakeRole;
using amino::sockets::kFrameHeaderBytes;
using amino::sockets::kMaxHandshakeFrameBytes;

// The default SocketsOptions::max_frame_bytes (runtime/sockets/sockets_env.h, 16 MiB) for
// authenticated frames; that header needs Asio, which the fuzz build leaves out.
constexpr std::size_t kDataFrameLimit = 16 * 1024 * 1024;

class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  bool empty() const { return rest_.empty(); }
  std::uint8_t byte() {
    if (rest_.empty()) return 0;
    const auto b = static_cast<std::uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return b;
  }
  std::string_view bytes(std::size_t n) {
    const std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(out.size());
    return out;
  }

 private:
  std::string_view rest_;
};

void check_sent(const Handshake::Step& step) {
  for (const auto& frame : step.send) {
    check(frame.size() <= kMaxHandshakeFrameBytes, "a handshake frame fits the peer's pre-auth limit");
  }
}

// What the receiving side does with an authenticated frame: Rpc parses the Frame and its status;
// ks.invoke bodies are InvokeRequests, every other body is a Value (runtime/rpc.cc, kernel.cc).
void decode_data_frame(const std::string& bytes) {
  amino::pb::Frame frame;
  if (!frame.ParseFromString(bytes)) return;
  (void)amino::wire::from_proto(frame.status());
  try {
    if (frame.service() == amino::svc::kInvoke && !frame.is_reply()) {
      amino::pb::InvokeRequest request;
      if (!amino::wire::parse_bounded(request, frame.body())) return;
      for (const auto& arg : request.args()) (void)amino::wire::from_proto(arg);
    } else if (!frame.body().empty()) {
      (void)amino::wire::decode_value(frame.body());
    }
  } catch (const amino::SystemError& e) {
    check(e.code() == amino::Code::kBadFrame, "a data frame is decoded or rejected as kBadFrame", e.what());
  }
}

// A stranger's stream to a responder, read as Connection::consume reads it.
void stranger(std::uint8_t flags, Input& in) {
  const bool keyed = (flags & kKeyed) != 0;
  Handshake responder(HandshakeConfig{HandshakeRole::kResponder, kResponderId, "", keyed ? kClusterKey : "",
                                      keyed ? kResponderNonce : ""});
  check(responder.start().send.empty(), "a responder speaks second");
  FrameReader reader(kMaxHandshakeFrameBytes);
  bool open = true;
  const std::size_t chunk = chunk_size(flags);
  while (open && !in.empty()) {
    const std::size_t limit = reader.max_frame_bytes();
    const auto too_long = reader.feed(in.bytes(chunk), [&](std::string frame) {
      check(frame.size() <= limit, "the reader never yields a frame over its limit");
      if (responder.done()) {
        decode_data_frame(frame);
        return true;
      }
      const Handshake::Step step = responder.on_frame(frame);
      check_sent(step);
      check(!keyed || !responder.done(), "a stranger never completes a keyed handshake", responder.peer());
      if (step.failure) {
        check(responder.failed() && responder.peer().empty(), "a failed handshake names no peer");
        return false;
      }
      if (responder.done()) reader.set_max_frame_bytes(kDataFrameLimit);
      return true;
    });
    check(reader.buffered_bytes() <= reader.max_frame_bytes() + kFrameHeaderBytes, "the reader holds one frame at most");
    check(reader.buffer_capacity() <= 2 * reader.buffered_bytes() + 32, "the read buffer grows with arrived bytes only");
    if (too_long || responder.failed()) open = false;
  }
}

// An attacker relaying (or not) between an honest initiator and responder.
class Relay {
 public:
  explicit Relay(bool keyed)
      : keyed_(keyed),
        initiator_(HandshakeConfig{HandshakeRole::kInitiator, kInitiatorId, kResponderId, keyed ? kClusterKey : "",
                                   keyed ? kInitiatorNonce : ""}),
        responder_(HandshakeConfig{HandshakeRole::kResponder, kResponderId, "", keyed ? kClusterKey : "",
                                   keyed ? kResponderNonce : ""}) {
    responder_.start();
    sent(initiator_.start(), /*to_initiator=*/false);
  }

  void run(Input& in) {
    while (!in.empty()) {
      const std::uint8_t b = in.byte();
      const auto op = static_cast<Op>(b % kOpCount);
      const bool to_initiator = ((b / kOpCount) & 1) != 0;
      auto& queue = to_initiator ? to_initiator_ : to_responder_;
      switch (op) {
        case kDeliver:
          if (!queue.empty()) arrive(pop(queue), to_initiator);
          break;
        case kDrop:
          if (queue.empty()) break;
          queue.pop_front();
          tampered_ = true;
          break;
        case kFlipBit: {
          const std::uint8_t at = in.byte(), bit = in.byte();
          if (queue.empty()) break;
          std::string frame = pop(queue);
          if (!frame.empty()) frame[at % frame.size()] ^= static_cast<char>(1u << (bit % 8));
          tampered_ = true;
          arrive(frame, to_initiator);
          break;
        }
        case kInject:
          tampered_ = true;
          arrive(std::string(in.bytes(in.byte())), to_initiator);
          break;
        case kReplay: {
          const std::uint8_t index = in.byte();
          if (history_.empty()) break;
          tampered_ = true;
          arrive(history_[index % history_.size()], to_initiator);
          break;
        }
        case kOpCount: break;
      }
    }
    if (!tampered_) {
      // Whatever the attacker delayed arrives in order: an honest exchange must complete.
      while (!to_responder_.empty() || !to_initiator_.empty()) {
        if (!to_responder_.empty()) arrive(pop(to_responder_), false);
        if (!to_initiator_.empty()) arrive(pop(to_initiator_), true);
      }
      check(initiator_.done() && responder_.done(), "an untampered handshake completes on both sides");
    }
  }

 private:
  static std::string pop(std::deque<std::string>& q) {
    std::string f = std::move(q.front());
    q.pop_front();
    return f;
  }

  void sent(const Handshake::Step& step, bool to_initiator) {
    check_sent(step);
    for (const auto& f : step.send) (to_initiator ? to_initiator_ : to_responder_).push_back(f);
  }

  // By value: a replay passes an element of history_, which this appends to.
  void arrive(std::string frame, bool to_initiator) {
    if (frame.size() > kMaxHandshakeFrameBytes) return;  // the reader would close the connection first
    history_.push_back(frame);
    Handshake& h = to_initiator ? initiator_ : responder_;
    const bool was_failed = h.failed();
    const Handshake::Step step = h.on_frame(frame);
    check(!was_failed || h.failed(), "a failed handshake stays failed");
    check(!step.failure || h.failed(), "a failure fails the handshake");
    if (!to_initiator && !step.failure && !step.send.empty()) responder_replied_ = true;
    sent(step, !to_initiator);
    if (keyed_) {
      check(!responder_.done() || responder_.peer() == kInitiatorId, "a keyed responder completes with the initiator only",
            responder_.peer());
      check(!initiator_.done() || responder_replied_, "a keyed initiator completes only on the responder's reply");
    }
    check(!initiator_.done() || initiator_.peer() == kResponderId, "an initiator's peer is the node it dialed");
  }

  const bool keyed_;
  Handshake initiator_, responder_;
  std::deque<std::string> to_responder_, to_initiator_;
  std::vector<std::string> history_;
  bool tampered_ = false;
  bool responder_replied_ = false;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);  // invalid UTF-8 would log every time; the result is what counts
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  const std::uint8_t flags = in.byte();
  if ((flags & kRelay) != 0) {
    Relay(/*keyed=*/(flags & kKeyed) != 0).run(in);
  } else {
    stranger(flags, in);
  }
  return 0;
}
