#include "runtime/sockets/handshake.h"

#include <stdexcept>

#include "amino.pb.h"
#include "runtime/sockets/cluster_key.h"
#include "runtime/sockets/framing.h"

namespace amino::sockets {

namespace {

// The two directions' labels: distinct, so that one side's proof is never valid for the other.
constexpr const char* kResponderLabel = "amino-sockets v2 responder proof";
constexpr const char* kInitiatorLabel = "amino-sockets v2 initiator proof";

const char* step_name(pb::Hello::Step step) {
  switch (step) {
    case pb::Hello::kHello: return "Hello";
    case pb::Hello::kReply: return "Reply";
    case pb::Hello::kProof: return "Proof";
    default: return "unknown step";
  }
}

std::string printable(std::string_view id) {
  // Ids come from the peer: keep log lines one printable line, and short.
  std::string out;
  for (const char c : id.substr(0, 80)) out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  if (id.size() > 80) out += "...";
  return out;
}

}  // namespace

const char* to_string(HandshakeError error) {
  switch (error) {
    case HandshakeError::kMalformed: return "malformed handshake frame";
    case HandshakeError::kVersionMismatch: return "protocol version mismatch";
    case HandshakeError::kPeerHasNoKey: return "peer has no cluster key";
    case HandshakeError::kPeerHasKey: return "peer uses a cluster key, this node has none";
    case HandshakeError::kBadProof: return "peer's proof does not match our cluster key";
    case HandshakeError::kUnexpectedPeer: return "peer is not the node dialed";
    case HandshakeError::kClaimsOurId: return "peer claims this node's id";
    case HandshakeError::kReflectedNonce: return "peer sent back our own nonce";
    case HandshakeError::kUnexpectedFrame: return "frame after the handshake ended";
  }
  return "handshake error";
}

Handshake::Handshake(HandshakeConfig config) : config_(std::move(config)) {
  check_cluster_key(config_.key);
  if (!config_.key.empty() && config_.nonce.size() != kNonceBytes) {
    throw std::invalid_argument("a keyed handshake needs a nonce of " + std::to_string(kNonceBytes) + " bytes");
  }
  if (config_.role == HandshakeRole::kInitiator && config_.dialed.empty()) {
    throw std::invalid_argument("an initiating handshake needs the dialed node id");
  }
}

Handshake::Step Handshake::start() {
  if (state_ != State::kStart) return fail(HandshakeError::kUnexpectedFrame, "handshake started twice");
  if (config_.role == HandshakeRole::kResponder) {
    state_ = State::kAwaitingHello;
    return {};
  }
  pb::Hello hello;
  hello.set_step(pb::Hello::kHello);
  hello.set_node_id(config_.self);
  hello.set_protocol_version(kProtocolVersion);
  hello.set_keyed(!config_.key.empty());
  if (!config_.key.empty()) hello.set_nonce(config_.nonce);
  state_ = State::kAwaitingReply;
  return {{hello.SerializeAsString()}, std::nullopt};
}

Handshake::Step Handshake::on_frame(std::string_view frame) {
  switch (state_) {
    case State::kAwaitingHello: return on_hello(frame);
    case State::kAwaitingReply: return on_reply(frame);
    case State::kAwaitingProof: return on_proof(frame);
    case State::kStart:
    case State::kDone:
    case State::kFailed: break;
  }
  return fail(HandshakeError::kUnexpectedFrame, "a frame arrived when no handshake frame was expected");
}

namespace {

// Parses `frame` as the Hello of `step` at our protocol version; the failure otherwise.
std::optional<HandshakeFailure> parse_step(std::string_view frame, pb::Hello::Step step, pb::Hello& out) {
  if (frame.size() > kMaxHandshakeFrameBytes || !out.ParseFromArray(frame.data(), static_cast<int>(frame.size()))) {
    return HandshakeFailure{HandshakeError::kMalformed, std::string("expected a handshake ") + step_name(step) +
                                                            ", got " + std::to_string(frame.size()) +
                                                            " bytes that are none"};
  }
  if (out.protocol_version() != kProtocolVersion) {
    return HandshakeFailure{HandshakeError::kVersionMismatch,
                            "peer speaks protocol version " + std::to_string(out.protocol_version()) +
                                ", this node " + std::to_string(kProtocolVersion)};
  }
  if (out.step() != step) {
    return HandshakeFailure{HandshakeError::kMalformed, std::string("expected a handshake ") + step_name(step) +
                                                            ", got a " + step_name(out.step())};
  }
  return std::nullopt;
}

}  // namespace

Handshake::Step Handshake::on_hello(std::string_view frame) {
  pb::Hello hello;
  if (auto failure = parse_step(frame, pb::Hello::kHello, hello)) return fail(failure->error, failure->detail);
  const bool keyed = !config_.key.empty();
  // The id must be routable: replies may be sent to it over a new connection.
  if (!parse_node_address(hello.node_id())) {
    return fail(HandshakeError::kMalformed, "Hello names '" + printable(hello.node_id()) + "', not a host:port");
  }
  if (hello.node_id() == config_.self) {
    return fail(HandshakeError::kClaimsOurId, "Hello claims this node's own id " + printable(hello.node_id()));
  }
  // On a key mismatch, still answer (without a proof), so that the peer can log why it was refused.
  if (keyed && !hello.keyed()) {
    return fail(HandshakeError::kPeerHasNoKey, printable(hello.node_id()) + " has no cluster key, this node requires one",
                {reply_frame("")});
  }
  if (!keyed && hello.keyed()) {
    return fail(HandshakeError::kPeerHasKey,
                printable(hello.node_id()) + " uses a cluster key, this node has none (--cluster-key-file)",
                {reply_frame("")});
  }
  initiator_id_ = hello.node_id();
  responder_id_ = config_.self;
  if (!keyed) {
    peer_ = initiator_id_;
    state_ = State::kDone;
    return {{reply_frame("")}, std::nullopt};
  }
  if (hello.nonce().size() != kNonceBytes) {
    return fail(HandshakeError::kMalformed, "Hello nonce has " + std::to_string(hello.nonce().size()) + " bytes, not " +
                                                std::to_string(kNonceBytes));
  }
  if (hello.nonce() == config_.nonce) return fail(HandshakeError::kReflectedNonce, "Hello carries this node's nonce");
  peer_nonce_ = hello.nonce();
  state_ = State::kAwaitingProof;
  return {{reply_frame(proof_for(kResponderLabel))}, std::nullopt};
}

Handshake::Step Handshake::on_reply(std::string_view frame) {
  pb::Hello reply;
  if (auto failure = parse_step(frame, pb::Hello::kReply, reply)) return fail(failure->error, failure->detail);
  const bool keyed = !config_.key.empty();
  if (keyed && !reply.keyed()) {
    return fail(HandshakeError::kPeerHasNoKey, config_.dialed + " has no cluster key, this node requires one");
  }
  if (!keyed && reply.keyed()) {
    return fail(HandshakeError::kPeerHasKey,
                config_.dialed + " requires a cluster key, this node has none (--cluster-key-file)");
  }
  if (reply.node_id() != config_.dialed) {
    return fail(HandshakeError::kUnexpectedPeer, "dialed " + config_.dialed + " but the node there is '" +
                                                     printable(reply.node_id()) + "' (use the id a node prints)");
  }
  initiator_id_ = config_.self;
  responder_id_ = config_.dialed;
  if (!keyed) {
    peer_ = config_.dialed;
    state_ = State::kDone;
    return {};
  }
  if (reply.nonce().size() != kNonceBytes) {
    return fail(HandshakeError::kMalformed, "Reply nonce has " + std::to_string(reply.nonce().size()) + " bytes, not " +
                                                std::to_string(kNonceBytes));
  }
  if (reply.nonce() == config_.nonce) return fail(HandshakeError::kReflectedNonce, "Reply carries this node's nonce");
  peer_nonce_ = reply.nonce();
  if (!macs_equal(reply.proof(), expected_mac(kResponderLabel))) {
    return fail(HandshakeError::kBadProof,
                config_.dialed + " did not prove our cluster key (do both nodes use the same key file?)");
  }
  pb::Hello proof;
  proof.set_step(pb::Hello::kProof);
  proof.set_protocol_version(kProtocolVersion);
  proof.set_proof(proof_for(kInitiatorLabel));
  peer_ = config_.dialed;
  state_ = State::kDone;
  return {{proof.SerializeAsString()}, std::nullopt};
}

Handshake::Step Handshake::on_proof(std::string_view frame) {
  pb::Hello proof;
  if (auto failure = parse_step(frame, pb::Hello::kProof, proof)) return fail(failure->error, failure->detail);
  if (!macs_equal(proof.proof(), expected_mac(kInitiatorLabel))) {
    return fail(HandshakeError::kBadProof,
                printable(initiator_id_) + " did not prove our cluster key (do both nodes use the same key file?)");
  }
  peer_ = initiator_id_;
  state_ = State::kDone;
  return {};
}

Handshake::Step Handshake::fail(HandshakeError error, std::string detail, std::vector<std::string> send) {
  state_ = State::kFailed;
  peer_.clear();
  return {std::move(send), HandshakeFailure{error, std::move(detail)}};
}

std::string Handshake::reply_frame(const std::string& proof) const {
  pb::Hello reply;
  reply.set_step(pb::Hello::kReply);
  reply.set_node_id(config_.self);
  reply.set_protocol_version(kProtocolVersion);
  reply.set_keyed(!config_.key.empty());
  if (!config_.key.empty()) reply.set_nonce(config_.nonce);
  if (!proof.empty()) reply.set_proof(proof);
  return reply.SerializeAsString();
}

Mac Handshake::expected_mac(const char* label) const {
  // Always (initiator nonce, responder nonce, initiator id, responder id), whichever side computes.
  const bool initiator = config_.role == HandshakeRole::kInitiator;
  const std::string& n_i = initiator ? config_.nonce : peer_nonce_;
  const std::string& n_r = initiator ? peer_nonce_ : config_.nonce;
  return hmac_parts(config_.key, {label, n_i, n_r, initiator_id_, responder_id_});
}

std::string Handshake::proof_for(const char* label) const {
  const Mac mac = expected_mac(label);
  return std::string(mac.begin(), mac.end());
}

}  // namespace amino::sockets
