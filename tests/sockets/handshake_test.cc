// The connection handshake as a pure state machine: both sides driven frame by frame, with and
// without a cluster key, and every way a peer can get it wrong or try to cheat (wrong key, keyed vs
// keyless, replayed and reflected proofs, another node's or our own id, truncated or garbage frames).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "amino.pb.h"
#include "runtime/sockets/cluster_key.h"
#include "runtime/sockets/framing.h"
#include "runtime/sockets/handshake.h"

namespace amino::sockets {
namespace {

const std::string kKey = "correct horse battery staple";
const std::string kOtherKey = "another key of sufficient size";
const NodeId kAlice = "127.0.0.1:1001";  // initiator
const NodeId kBob = "127.0.0.1:2002";    // responder

// Fixed nonces: the state machine takes them as input, so the tests are deterministic.
std::string nonce(char fill) { return std::string(kNonceBytes, fill); }

HandshakeConfig initiator(const std::string& key = kKey, const std::string& n = nonce('a'), NodeId dialed = kBob) {
  return {HandshakeRole::kInitiator, kAlice, std::move(dialed), key, key.empty() ? "" : n};
}
HandshakeConfig responder(const std::string& key = kKey, const std::string& n = nonce('b')) {
  return {HandshakeRole::kResponder, kBob, "", key, key.empty() ? "" : n};
}

// Shuttles frames between the two sides until neither has anything to send. Records every frame.
struct Exchange {
  std::vector<std::string> to_responder, to_initiator;
  std::optional<HandshakeFailure> initiator_failure, responder_failure;
};
Exchange drive(Handshake& a, Handshake& b) {
  Exchange run;
  std::vector<std::string> pending = a.start().send;
  EXPECT_TRUE(b.start().send.empty());
  bool to_b = true;
  for (int round = 0; round < 8 && !pending.empty(); ++round, to_b = !to_b) {
    std::vector<std::string> next;
    for (const auto& frame : pending) {
      (to_b ? run.to_responder : run.to_initiator).push_back(frame);
      Handshake& receiver = to_b ? b : a;
      if (receiver.failed()) break;
      auto step = receiver.on_frame(frame);
      if (step.failure) (to_b ? run.responder_failure : run.initiator_failure) = step.failure;
      next.insert(next.end(), step.send.begin(), step.send.end());
    }
    pending = std::move(next);
  }
  return run;
}

pb::Hello parsed(const std::string& frame) {
  pb::Hello h;
  EXPECT_TRUE(h.ParseFromString(frame));
  return h;
}

TEST(Handshake, WithTheSameKeyBothSidesAuthenticateEachOther) {
  Handshake a(initiator()), b(responder());
  const Exchange run = drive(a, b);
  EXPECT_FALSE(run.initiator_failure);
  EXPECT_FALSE(run.responder_failure);
  ASSERT_TRUE(a.done());
  ASSERT_TRUE(b.done());
  EXPECT_EQ(a.peer(), kBob);
  EXPECT_EQ(b.peer(), kAlice);
  ASSERT_EQ(run.to_responder.size(), 2u);  // Hello, Proof
  ASSERT_EQ(run.to_initiator.size(), 1u);  // Reply
  EXPECT_EQ(parsed(run.to_initiator[0]).proof().size(), kMacBytes);
  EXPECT_EQ(parsed(run.to_responder[1]).proof().size(), kMacBytes);
  EXPECT_NE(parsed(run.to_initiator[0]).proof(), parsed(run.to_responder[1]).proof());
}

TEST(Handshake, WithoutKeysTheIdsAreExchangedInOneRoundTrip) {
  Handshake a(initiator("")), b(responder(""));
  const Exchange run = drive(a, b);
  ASSERT_TRUE(a.done());
  ASSERT_TRUE(b.done());
  EXPECT_EQ(a.peer(), kBob);
  EXPECT_EQ(b.peer(), kAlice);
  EXPECT_EQ(run.to_responder.size(), 1u);
  EXPECT_EQ(run.to_initiator.size(), 1u);
  EXPECT_TRUE(parsed(run.to_responder[0]).nonce().empty());
}

TEST(Handshake, DifferentKeysAreDetectedByTheInitiatorFromTheReply) {
  Handshake a(initiator(kKey)), b(responder(kOtherKey));
  const Exchange run = drive(a, b);
  ASSERT_TRUE(run.initiator_failure);
  EXPECT_EQ(run.initiator_failure->error, HandshakeError::kBadProof);
  EXPECT_FALSE(a.done());
  EXPECT_FALSE(b.done());  // still waiting for a proof it will never get
  EXPECT_EQ(run.to_responder.size(), 1u);  // no proof was sent
}

TEST(Handshake, AnInitiatorWithTheWrongKeyIsRefusedByTheResponder) {
  // Skip the initiator's own check: a forged Proof computed under another key.
  Handshake b(responder());
  b.start();
  Handshake liar(initiator(kOtherKey));
  const auto reply = b.on_frame(liar.start().send.at(0));
  ASSERT_FALSE(reply.failure);
  pb::Hello proof;
  proof.set_step(pb::Hello::kProof);
  proof.set_protocol_version(kProtocolVersion);
  const Mac forged = hmac_parts(kOtherKey, {"amino-sockets v2 initiator proof", nonce('a'), nonce('b'), kAlice, kBob});
  proof.set_proof(std::string(forged.begin(), forged.end()));
  const auto step = b.on_frame(proof.SerializeAsString());
  ASSERT_TRUE(step.failure);
  EXPECT_EQ(step.failure->error, HandshakeError::kBadProof);
  EXPECT_TRUE(b.failed());
  EXPECT_TRUE(b.peer().empty());
}

TEST(Handshake, KeyedAndKeylessNodesRefuseEachOtherAndSayWhy) {
  {
    Handshake a(initiator("")), b(responder(kKey));
    const Exchange run = drive(a, b);
    ASSERT_TRUE(run.responder_failure);
    EXPECT_EQ(run.responder_failure->error, HandshakeError::kPeerHasNoKey);
    // The responder still answered, so the initiator can log the reason.
    ASSERT_TRUE(run.initiator_failure);
    EXPECT_EQ(run.initiator_failure->error, HandshakeError::kPeerHasKey);
    EXPECT_NE(run.initiator_failure->detail.find("requires a cluster key"), std::string::npos);
  }
  {
    Handshake a(initiator(kKey)), b(responder(""));
    const Exchange run = drive(a, b);
    ASSERT_TRUE(run.responder_failure);
    EXPECT_EQ(run.responder_failure->error, HandshakeError::kPeerHasKey);
    ASSERT_TRUE(run.initiator_failure);
    EXPECT_EQ(run.initiator_failure->error, HandshakeError::kPeerHasNoKey);
    EXPECT_FALSE(a.done());
    EXPECT_FALSE(b.done());
  }
}

TEST(Handshake, AProofRecordedInOneHandshakeIsWorthlessInTheNext) {
  Handshake a1(initiator()), b1(responder(kKey, nonce('b')));
  const Exchange recorded = drive(a1, b1);
  ASSERT_TRUE(b1.done());
  // An eavesdropper replays the whole initiator side to a fresh responder (fresh nonce).
  Handshake b2(responder(kKey, nonce('c')));
  b2.start();
  ASSERT_FALSE(b2.on_frame(recorded.to_responder[0]).failure);
  const auto step = b2.on_frame(recorded.to_responder[1]);
  ASSERT_TRUE(step.failure);
  EXPECT_EQ(step.failure->error, HandshakeError::kBadProof);
  EXPECT_FALSE(b2.done());
}

TEST(Handshake, TheRespondersProofReflectedBackIsNoInitiatorProof) {
  Handshake b(responder());
  b.start();
  Handshake a(initiator());
  const auto reply = b.on_frame(a.start().send.at(0));
  ASSERT_EQ(reply.send.size(), 1u);
  pb::Hello reflected;
  reflected.set_step(pb::Hello::kProof);
  reflected.set_protocol_version(kProtocolVersion);
  reflected.set_proof(parsed(reply.send[0]).proof());
  const auto step = b.on_frame(reflected.SerializeAsString());
  ASSERT_TRUE(step.failure);
  EXPECT_EQ(step.failure->error, HandshakeError::kBadProof);
}

TEST(Handshake, AHelloClaimingTheRespondersOwnIdOrEchoingItsNonceIsRefused) {
  {
    Handshake b(responder());
    b.start();
    Handshake mirror({HandshakeRole::kInitiator, kBob, kBob, kKey, nonce('a')});
    const auto step = b.on_frame(mirror.start().send.at(0));
    ASSERT_TRUE(step.failure);
    EXPECT_EQ(step.failure->error, HandshakeError::kClaimsOurId);
    EXPECT_TRUE(step.send.empty());  // no proof handed out
  }
  {
    Handshake b(responder(kKey, nonce('b')));
    b.start();
    Handshake echo(initiator(kKey, nonce('b')));
    const auto step = b.on_frame(echo.start().send.at(0));
    ASSERT_TRUE(step.failure);
    EXPECT_EQ(step.failure->error, HandshakeError::kReflectedNonce);
    EXPECT_TRUE(step.send.empty());
  }
}

TEST(Handshake, TheInitiatorRefusesANodeOtherThanTheOneItDialed) {
  for (const std::string& key : {kKey, std::string()}) {
    Handshake a(initiator(key, nonce('a'), "127.0.0.1:3003")), b(responder(key));
    const Exchange run = drive(a, b);
    ASSERT_TRUE(run.initiator_failure) << "key '" << key << "'";
    EXPECT_EQ(run.initiator_failure->error, HandshakeError::kUnexpectedPeer);
    EXPECT_FALSE(a.done());
  }
}

TEST(Handshake, AProofComputedForOtherIdsDoesNotPass) {
  // The responder's proof binds the initiator's claimed id: a reply computed for a Hello claiming
  // another id (e.g. obtained by relaying a different Hello) does not verify.
  Handshake b(responder());
  b.start();
  Handshake carol({HandshakeRole::kInitiator, "127.0.0.1:3003", kBob, kKey, nonce('a')});
  const auto reply_for_carol = b.on_frame(carol.start().send.at(0));
  Handshake a(initiator());
  a.start();
  const auto step = a.on_frame(reply_for_carol.send.at(0));
  ASSERT_TRUE(step.failure);
  EXPECT_EQ(step.failure->error, HandshakeError::kBadProof);
}

TEST(Handshake, GarbageTruncatedOrMisplacedFramesFailWithATypedError) {
  Handshake a(initiator());
  const std::string hello = a.start().send.at(0);
  struct Case {
    const char* name;
    std::string frame;
    HandshakeError expected;
  };
  pb::Hello old;
  old.set_node_id(kAlice);
  old.set_protocol_version(1);
  pb::Hello unroutable = parsed(hello);
  unroutable.set_node_id("nobody");
  pb::Hello short_nonce = parsed(hello);
  short_nonce.set_nonce("tiny");
  pb::Hello proof_first;
  proof_first.set_step(pb::Hello::kProof);
  proof_first.set_protocol_version(kProtocolVersion);
  const std::vector<Case> cases = {
      {"garbage", "\xff\xff\xff garbage", HandshakeError::kMalformed},
      {"truncated", hello.substr(0, hello.size() / 2), HandshakeError::kMalformed},
      {"oversize", std::string(kMaxHandshakeFrameBytes + 1, '\0'), HandshakeError::kMalformed},
      {"version 1 hello", old.SerializeAsString(), HandshakeError::kVersionMismatch},
      {"empty", "", HandshakeError::kVersionMismatch},
      {"unroutable id", unroutable.SerializeAsString(), HandshakeError::kMalformed},
      {"short nonce", short_nonce.SerializeAsString(), HandshakeError::kMalformed},
      {"proof before hello", proof_first.SerializeAsString(), HandshakeError::kMalformed},
  };
  for (const auto& c : cases) {
    Handshake b(responder());
    b.start();
    const auto step = b.on_frame(c.frame);
    ASSERT_TRUE(step.failure) << c.name;
    EXPECT_EQ(step.failure->error, c.expected) << c.name << ": " << step.failure->detail;
    EXPECT_TRUE(step.send.empty()) << c.name;
    EXPECT_TRUE(b.failed()) << c.name;
    // Once failed, it stays failed.
    EXPECT_EQ(b.on_frame(hello).failure->error, HandshakeError::kUnexpectedFrame) << c.name;
  }
}

TEST(Handshake, ARepeatedHelloAfterTheReplyIsNotAProof) {
  Handshake b(responder());
  b.start();
  Handshake a(initiator());
  const std::string hello = a.start().send.at(0);
  ASSERT_FALSE(b.on_frame(hello).failure);
  const auto step = b.on_frame(hello);
  ASSERT_TRUE(step.failure);
  EXPECT_EQ(step.failure->error, HandshakeError::kMalformed);
}

TEST(Handshake, RandomAndMutatedFramesOnlyEverFailWithATypedError) {
  // A seeded sweep (the libFuzzer target explores further): random bytes and single-byte mutations
  // of valid frames, at every step of both roles. Never a crash, never "done" with a wrong frame.
  std::mt19937 rng(9);
  Handshake a0(initiator()), b0(responder());
  const Exchange valid = drive(a0, b0);
  for (int i = 0; i < 3000; ++i) {
    std::string frame;
    if (i % 2 == 0) {
      frame.resize(rng() % 200);
      for (auto& c : frame) c = static_cast<char>(rng());
    } else {
      const auto& pool = (i % 4 == 1) ? valid.to_responder : valid.to_initiator;
      frame = pool[rng() % pool.size()];
      if (!frame.empty()) frame[rng() % frame.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    Handshake b(responder());
    b.start();
    const auto at_hello = b.on_frame(frame);
    if (!b.failed()) {
      // A mutation that still parses as a Hello (e.g. in the nonce or id): then the proof step.
      const auto at_proof = b.on_frame(frame);
      EXPECT_TRUE(at_proof.failure);
      EXPECT_FALSE(b.done());
    } else {
      EXPECT_TRUE(at_hello.failure);
    }
    Handshake a(initiator());
    a.start();
    const auto at_reply = a.on_frame(frame);
    if (!a.done()) {
      EXPECT_TRUE(at_reply.failure);
      continue;
    }
    // Accepted: only a mutation that re-encodes the same reply (e.g. keyed = 3 is still true) may be.
    const pb::Hello got = parsed(frame), want = parsed(valid.to_initiator[0]);
    EXPECT_EQ(got.node_id(), want.node_id()) << "mutation " << i;
    EXPECT_EQ(got.nonce(), want.nonce()) << "mutation " << i;
    EXPECT_EQ(got.proof(), want.proof()) << "mutation " << i;
    EXPECT_EQ(got.step(), want.step()) << "mutation " << i;
    EXPECT_EQ(got.keyed(), want.keyed()) << "mutation " << i;
  }
}

TEST(Handshake, BadConfigurationsAreProgrammingErrors) {
  EXPECT_THROW(Handshake({HandshakeRole::kInitiator, kAlice, kBob, "short", nonce('a')}), std::invalid_argument);
  EXPECT_THROW(Handshake({HandshakeRole::kInitiator, kAlice, kBob, kKey, "no nonce"}), std::invalid_argument);
  EXPECT_THROW(Handshake({HandshakeRole::kInitiator, kAlice, "", kKey, nonce('a')}), std::invalid_argument);
}

}  // namespace
}  // namespace amino::sockets
