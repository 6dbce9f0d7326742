// The handshake that opens every sockets connection, as a pure state machine: no sockets, no clock,
// no entropy (the caller supplies the nonce), so it can be unit-tested and fuzzed frame by frame.
// Connection (connection.h) feeds it the first frames of a connection and sends what it returns.
//
// Protocol (kProtocolVersion 2; frames are pb::Hello, see runtime/proto/amino.proto):
//   initiator -> responder   kHello  {node_id I, keyed, nonce nI}
//   responder -> initiator   kReply  {node_id R, keyed, nonce nR, proof HMAC(K, "...responder", nI, nR, I, R)}
//   initiator -> responder   kProof  {proof HMAC(K, "...initiator", nI, nR, I, R)}          (keyed only)
// Without a key the first two frames carry no nonce or proof, and the handshake only exchanges ids.
// The initiator is done once it has checked the reply and sent its kProof, and may send data right
// behind it: the responder reads the proof first (TCP keeps order) and closes the connection before
// reading any later frame if the proof is wrong. The responder sends data only once it is done.
//
// Why a challenge-response over HMAC-SHA256 rather than TLS-PSK: the threat is processes that are not
// part of the deployment connecting to it (registering fake kernel servers, forging heartbeats or
// deletes). Proving the key at connection set-up is enough for that, keeps the hot path a plain
// length-prefixed TCP stream (no per-record crypto, no extra copies in the gathering writer), and
// keeps the whole protocol in one small socket-free state machine that can be fuzzed. It does not
// encrypt or protect frames after the handshake against someone who can modify traffic on the path:
// for untrusted networks put the deployment inside a VPN or WireGuard tunnel (README, "Cluster key").
//
// Why each proof cannot be reused:
//   - replay: each side's proof covers the other side's fresh nonce, so a recorded proof is wrong in
//     any later handshake;
//   - reflection: the two directions use different labels, so the proof a node sends as responder is
//     never a valid initiator proof (nor the reverse); a Hello naming the responder's own id, or
//     echoing its nonce, is refused outright;
//   - identity: both ids are inside both proofs, and the initiator checks that the responder is the
//     node it dialed, so a connection's peer is the authenticated id, never what later frames claim.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/env.h"
#include "runtime/sockets/cluster_key.h"

namespace amino::sockets {

// Handshake frames are a few dozen bytes; before a connection is authenticated no longer frame is
// read, so an unauthenticated peer can never make us buffer more than this per connection.
inline constexpr std::size_t kMaxHandshakeFrameBytes = 1024;

enum class HandshakeRole { kInitiator, kResponder };

enum class HandshakeError {
  kMalformed,        // not the pb::Hello expected at this step, bad field sizes, unroutable node id
  kVersionMismatch,  // another protocol version
  kPeerHasNoKey,     // this node has a cluster key, the peer has none
  kPeerHasKey,       // the peer has a cluster key, this node has none
  kBadProof,         // the peer's proof is not ours: another key, or a replayed or reflected proof
  kUnexpectedPeer,   // the responder is not the node the initiator dialed
  kClaimsOurId,      // the initiator claims to be the responder itself
  kReflectedNonce,   // the peer sent back our own nonce
  kUnexpectedFrame,  // a frame after the handshake ended
};
const char* to_string(HandshakeError error);

struct HandshakeFailure {
  HandshakeError error;
  std::string detail;  // one line for the log
};

struct HandshakeConfig {
  HandshakeRole role = HandshakeRole::kInitiator;
  NodeId self;
  NodeId dialed;     // initiator: the node it connected to (the responder must name exactly this id)
  std::string key;   // the cluster key; empty: no authentication (loopback only)
  std::string nonce; // keyed: kNonceBytes of OS entropy, fresh for this connection (random_nonce())
};

class Handshake {
 public:
  enum class State { kStart, kAwaitingHello, kAwaitingReply, kAwaitingProof, kDone, kFailed };

  // Throws std::invalid_argument for a bad config (short key, wrong nonce size, initiator without
  // a dialed id): a programming error, not a peer's.
  explicit Handshake(HandshakeConfig config);

  // What a step produced: frames to send (in order; on failure, send them before closing so the peer
  // learns why), and the failure if the handshake failed.
  struct Step {
    std::vector<std::string> send;
    std::optional<HandshakeFailure> failure;
  };

  // Once, when the connection is up: the initiator's kHello; nothing for the responder.
  Step start();
  // One whole frame from the peer (at most kMaxHandshakeFrameBytes).
  Step on_frame(std::string_view frame);

  State state() const { return state_; }
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }
  // The authenticated peer once done(): the dialed node (initiator) or the Hello's id (responder).
  const NodeId& peer() const { return peer_; }
  HandshakeRole role() const { return config_.role; }
  const NodeId& dialed() const { return config_.dialed; }

 private:
  Step on_hello(std::string_view frame);
  Step on_reply(std::string_view frame);
  Step on_proof(std::string_view frame);
  Step fail(HandshakeError error, std::string detail, std::vector<std::string> send = {});
  std::string reply_frame(const std::string& proof) const;
  Mac expected_mac(const char* label) const;  // over nI, nR, I, R
  std::string proof_for(const char* label) const;

  const HandshakeConfig config_;
  State state_ = State::kStart;
  std::string peer_nonce_;
  NodeId peer_;
  NodeId initiator_id_, responder_id_;
};

}  // namespace amino::sockets
