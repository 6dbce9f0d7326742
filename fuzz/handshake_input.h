// The input format of handshake_frames_fuzz, shared with make_corpus.cc, which writes its seeds.
//
// Byte 0 (flags) picks the scenario; the rest depends on it:
//   kRelay clear: a stranger's byte stream to a responder: the rest is what the stranger sends,
//                 fed to the reader in chunks of chunk_size(flags) bytes.
//   kRelay set:   an attacker between an honest initiator and responder: the rest is a script of
//                 Ops over the frames in flight.
// kKeyed: the honest node(s) hold kClusterKey. A stranger never does; seeds for it use kStrangerKey.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "runtime/env.h"
#include "runtime/sockets/cluster_key.h"

namespace amino::fuzz::handshake_input {

inline constexpr std::uint8_t kRelay = 1;
inline constexpr std::uint8_t kKeyed = 2;
// Bits 2..7 of the flags: how the stream is split into reads (1, 8, 15, ... bytes per read).
inline std::size_t chunk_size(std::uint8_t flags) { return 1 + static_cast<std::size_t>(flags >> 2) * 7; }

// A script op is one byte: op = byte % kOpCount, and ((byte / kOpCount) & 1) picks the direction
// (0: towards the responder, 1: towards the initiator) for the ops that have one.
enum Op : std::uint8_t {
  kDeliver,  // the next frame in flight that way arrives
  kDrop,     // the next frame in flight that way is lost
  kFlipBit,  // two more bytes (position, bit): the next frame that way arrives with that bit flipped
  kInject,   // one length byte L, then L bytes: a forged frame arrives
  kReplay,   // one index byte: a copy of an earlier frame (of either direction) arrives
  kOpCount
};
inline constexpr std::uint8_t op_byte(Op op, bool to_initiator) {
  return static_cast<std::uint8_t>(op + (to_initiator ? kOpCount : 0));
}

inline const NodeId kResponderId = "127.0.0.1:7400";
inline const NodeId kInitiatorId = "127.0.0.1:7401";
inline const std::string kClusterKey = "fuzz cluster key, 32 bytes long!";
inline const std::string kStrangerKey = "not the cluster key, 32 bytes...";
inline std::string nonce(char fill) { return std::string(sockets::kNonceBytes, fill); }
inline const std::string kResponderNonce = nonce('R');
inline const std::string kInitiatorNonce = nonce('I');

}  // namespace amino::fuzz::handshake_input
