// The platform's transport mechanisms (testbed/transport_model.h, HostSpec): TCP slow start and idle
// restart, 3G radio promotion, split up/down access links, and the kernel's serialization charge.
// Pure model first, then each mechanism end to end on SimGrid (one SimWorld per test process).
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dms/all.h"
#include "sim/sim_world.h"
#include "testbed/platform.h"
#include "testbed/presets.h"
#include "testbed/sim_cluster.h"
#include "testbed/transport_model.h"
#include "runtime/microservice.h"

namespace amino::testbed {
namespace {

// ---- slow start ----

TEST(SlowStart, RoundsForRequestSizesAcrossWindowBoundaries) {
  auto rounds = [](std::int64_t segments, std::int64_t iw) {
    std::int64_t cwnd = iw;
    return slow_start_windows(segments, cwnd, 1000).size();
  };
  // IW 3 (RFC 3390 at MSS 1460): 3, 6, 12, ... segments per round.
  EXPECT_EQ(rounds(3, 3), 1u);   // 3.6 KB Physics request: one flight
  EXPECT_EQ(rounds(4, 3), 2u);
  EXPECT_EQ(rounds(9, 3), 2u);   // 12.2 KB OCR request
  EXPECT_EQ(rounds(10, 3), 3u);
  EXPECT_EQ(rounds(14, 3), 3u);  // 20 KB Regression request
  // IW 10 (RFC 6928): 10, 20, 40, ...
  EXPECT_EQ(rounds(10, 10), 1u);
  EXPECT_EQ(rounds(14, 10), 2u);
  EXPECT_EQ(rounds(30, 10), 2u);
  EXPECT_EQ(rounds(31, 10), 3u);
  EXPECT_EQ(rounds(0, 10), 0u);
  std::int64_t cwnd = 3;
  EXPECT_EQ(slow_start_windows(14, cwnd, 1000), (std::vector<std::int64_t>{3, 6, 5}));
  EXPECT_EQ(cwnd, 17);  // one segment more per acknowledged segment
  cwnd = 10;
  slow_start_windows(5000, cwnd, 64);
  EXPECT_EQ(cwnd, 64);  // capped
}

TEST(SlowStart, ExtraTimeIsOneRttPerWindowUnlessTheLinkIsTheBottleneck) {
  TcpSpec tcp;
  tcp.enabled = true;
  tcp.initial_window = 3;
  const Duration rtt = 100 * kMillisecond;
  std::int64_t cwnd = 3;
  // 20,000 B = 14 segments: 3 windows; a fast link waits one RTT after each of the first two.
  EXPECT_EQ(slow_start_extra(20000, cwnd, tcp, rtt, 1.25e9), 2 * rtt - 3504 * kNanosecond - 7008 * kNanosecond);
  cwnd = 3;
  // At 12.5 KB/s a 3-segment window takes 350 ms > RTT: slow start costs nothing more.
  EXPECT_EQ(slow_start_extra(20000, cwnd, tcp, rtt, 12500), 0);
  cwnd = 3;
  EXPECT_EQ(slow_start_extra(4380, cwnd, tcp, rtt, 1.25e9), 0);  // fits the initial window
}

TEST(TransportModel, HandshakeOnceThenGrownWindowThenRestartAfterIdleRto) {
  PlatformSpec p;
  p.hosts = {presets::cloud_server("a"), presets::cloud_server("b")};
  p.hosts[0].uplink_latency = p.hosts[1].uplink_latency = 25 * kMillisecond;  // RTT 100 ms
  p.hosts[0].tcp.enabled = true;
  p.hosts[0].tcp.initial_window = 10;
  p.hosts[0].tcp.rto_min = 200 * kMillisecond;
  TransportModel m(p);
  ASSERT_TRUE(m.active());
  const Duration rtt = 100 * kMillisecond;
  const Duration first = m.extra_delay("a", "b", 20000, 0);  // handshake + 2 windows
  EXPECT_GE(first, 2 * rtt - kMillisecond);
  EXPECT_LE(first, 2 * rtt);
  EXPECT_EQ(m.extra_delay("a", "b", 20000, 400 * kMillisecond), 0);  // 24-segment window, idle < RTT + RTO min
  // Idle 2 s > RTT + rto_min: restart window 10 again -> one more RTT (no handshake).
  const Duration restarted = m.extra_delay("a", "b", 20000, 3 * kSecond);
  EXPECT_GE(restarted, rtt - kMillisecond);
  EXPECT_LE(restarted, rtt);
  // b's stack is not modelled: its frames pay nothing.
  EXPECT_EQ(m.extra_delay("b", "a", 20000, 3 * kSecond), 0);
  // b crashed: a's next frame opens a new connection.
  m.forget("b");
  EXPECT_EQ(m.extra_delay("a", "b", 100, 4 * kSecond), rtt);
}

TEST(TransportModel, InertWithoutTcpOrRadio) {
  PlatformSpec p;
  p.hosts = {presets::phone_3g("a"), presets::cloud_server("b")};
  TransportModel m(p);
  EXPECT_FALSE(m.active());
  EXPECT_EQ(m.extra_delay("a", "b", 1 << 20, 0), 0);
}

// ---- radio (RRC) ----

TEST(Radio, PromotionOnlyAfterIdleBeyondTheTailTimers) {
  RadioSpec r;
  r.enabled = true;
  EXPECT_EQ(radio_state(r, kNever, 0), RadioState::kIdle);
  EXPECT_EQ(radio_state(r, 0, 5 * kSecond), RadioState::kDch);
  EXPECT_EQ(radio_state(r, 0, 5 * kSecond + 1), RadioState::kFach);
  EXPECT_EQ(radio_state(r, 0, 17 * kSecond), RadioState::kFach);
  EXPECT_EQ(radio_state(r, 0, 17 * kSecond + 1), RadioState::kIdle);

  PlatformSpec p;
  p.hosts = {presets::phone_3g("phone"), presets::cloud_server("srv")};
  p.hosts[0].radio = r;
  TransportModel m(p);
  EXPECT_EQ(m.extra_delay("phone", "srv", 100, 0), 2 * kSecond);                 // cold: IDLE -> DCH
  EXPECT_EQ(m.extra_delay("phone", "srv", 100, 6 * kSecond), 0);                 // 4 s idle < DCH tail
  EXPECT_EQ(m.extra_delay("phone", "srv", 100, 12 * kSecond), 1500 * kMillisecond);  // ~6 s idle: FACH
  // Downlink: a frame reaching the phone after 30 s of silence waits for its promotion from IDLE.
  EXPECT_EQ(m.extra_delay("srv", "phone", 100, 45 * kSecond), 2 * kSecond);
  EXPECT_EQ(m.extra_delay("srv", "phone", 100, 46 * kSecond), kSecond);  // the rest of that promotion
  EXPECT_EQ(m.extra_delay("srv", "phone", 100, 48 * kSecond), 0);
}

// ---- split up/down access links ----

TEST(Platform, SplitAccessLinkBandwidthPerDirectionAndJson) {
  PlatformSpec p;
  p.hosts = {presets::phone_3g("phone"), presets::cloud_server("srv")};
  p.hosts[0].uplink_bandwidth = 5e4;
  p.hosts[0].downlink_bandwidth = 2e5;
  EXPECT_TRUE(p.validate().empty());
  EXPECT_EQ(p.path_bandwidth("phone", "srv"), 5e4);
  EXPECT_EQ(p.path_bandwidth("srv", "phone"), 2e5);
  p.hosts[0].serialization_ops_per_byte = 500;
  p.hosts[0].tcp.enabled = true;
  p.hosts[0].tcp.initial_window = 3;
  p.hosts[0].radio.enabled = true;
  p.hosts[0].radio.dch_tail = 4 * kSecond;
  const nlohmann::json j = p;
  const PlatformSpec back = j.get<PlatformSpec>();
  EXPECT_EQ(back.hosts[0].downlink_bandwidth, 2e5);
  EXPECT_EQ(back.hosts[0].serialization_ops_per_byte, 500);
  EXPECT_TRUE(back.hosts[0].tcp.enabled);
  EXPECT_EQ(back.hosts[0].tcp.initial_window, 3);
  EXPECT_TRUE(back.hosts[0].radio.enabled);
  EXPECT_EQ(back.hosts[0].radio.dch_tail, 4 * kSecond);
  // Unset: not written, so existing platform JSON (and trace hashes) are unchanged.
  const nlohmann::json srv = p.hosts[1];
  EXPECT_FALSE(srv.contains("downlink_bandwidth") || srv.contains("serializationOpsPerByte") || srv.contains("tcp") ||
               srv.contains("radio"));
  p.hosts[0].downlink_bandwidth = -1;
  p.hosts[0].tcp.initial_window = 0;
  EXPECT_EQ(p.validate().size(), 2u);
  p.hosts[0].downlink_bandwidth = 1;
  p.hosts[0].tcp.initial_window = 3;
  p.topology = Topology::kStar;
  EXPECT_EQ(p.validate().size(), 1u) << "a split access link needs the full topology";
}

// One frame of `bytes` each way at t = 0 between `a` and `b`; the receive times.
struct Arrivals {
  Time at_b = -1, at_a = -1;
};

std::shared_ptr<Arrivals> exchange(sim::SimWorld& w, std::size_t bytes, std::vector<Time> sends = {0}) {
  auto arr = std::make_shared<Arrivals>();
  auto boot = [arr, bytes, sends](const NodeId& peer, bool is_a) {
    return [arr, bytes, sends, peer, is_a](Env& env) {
      env.set_inbox(Inbox{[arr, is_a, &env](const NodeId&, std::string) { (is_a ? arr->at_a : arr->at_b) = env.now(); },
                          [](const NodeId&) {}});
      for (Time t : sends) env.arm_timer(t, [&env, peer, bytes] { env.send(peer, std::string(bytes, 'x')); });
    };
  };
  w.set_boot("a", boot("b", true));
  w.set_boot("b", boot("a", false));
  return arr;
}

TEST(SimTransport, SplitAccessLinkCarriesEachDirectionAtItsOwnRate) {
  sim::SimOptions o;
  o.platform.hosts = {presets::phone_3g("a"), presets::cloud_server("b")};
  o.platform.hosts[0].uplink_latency = 10 * kMillisecond;
  o.platform.hosts[0].uplink_bandwidth = 1e5;    // a -> b: 100 KB/s
  o.platform.hosts[0].downlink_bandwidth = 1e6;  // b -> a: 1 MB/s
  sim::SimWorld w(o);
  // a's frame at 0, b's at 2 s: one at a time (SimGrid's cross-traffic puts 5 % of a flow's rate on
  // the reverse direction for its ACKs, which would couple two simultaneous flows).
  auto arr = std::make_shared<Arrivals>();
  w.set_boot("a", [arr](Env& env) {
    env.set_inbox(Inbox{[arr, &env](const NodeId&, std::string) { arr->at_a = env.now(); }, [](const NodeId&) {}});
    env.send("b", std::string(100000, 'x'));
  });
  w.set_boot("b", [arr](Env& env) {
    env.set_inbox(Inbox{[arr, &env](const NodeId&, std::string) { arr->at_b = env.now(); }, [](const NodeId&) {}});
    env.arm_timer(2 * kSecond, [&env] { env.send("a", std::string(100000, 'x')); });
  });
  w.run_for(5 * kSecond);
  EXPECT_NEAR(to_seconds(arr->at_b), 1.01, 0.01);      // 100 KB up at 100 KB/s + 10 ms
  EXPECT_NEAR(to_seconds(arr->at_a) - 2, 0.11, 0.01);  // 100 KB down at 1 MB/s + 10 ms
}

TEST(SimTransport, ColdConnectionPaysHandshakeAndSlowStartThenNot) {
  sim::SimOptions o;
  o.platform.hosts = {presets::cloud_server("a"), presets::cloud_server("b")};
  o.platform.hosts[0].uplink_latency = o.platform.hosts[1].uplink_latency = 25 * kMillisecond;  // RTT 100 ms
  o.platform.hosts[0].tcp.enabled = true;
  o.platform.hosts[0].tcp.initial_window = 10;
  sim::SimWorld w(o);
  auto first = exchange(w, 20000);
  w.run_for(kSecond);
  // one way 50 ms + handshake (1 RTT) + one more window (1 RTT, less the first window's 12 us)
  EXPECT_NEAR(to_seconds(first->at_b), 0.250, 0.002);
  EXPECT_NEAR(to_seconds(first->at_a), 0.050, 0.002);  // b's stack is not modelled
}

TEST(SimTransport, RadioPromotionDelaysTheFirstFrameOnly) {
  sim::SimOptions o;
  o.platform.hosts = {presets::phone_3g("a"), presets::cloud_server("b")};
  o.platform.hosts[0].uplink_latency = 50 * kMillisecond;
  o.platform.hosts[0].radio.enabled = true;
  sim::SimWorld w(o);
  auto arr = exchange(w, 100, {0, 3 * kSecond});
  w.run_for(2 * kSecond + 500 * kMillisecond);
  // a's first frame waits 2 s (IDLE -> DCH); b's frame to a, sent at the same time, reaches a radio
  // that is already being promoted (or promotes it): it is delivered once the radio is in DCH.
  // (Which of the two simultaneous sends goes first decides whether a's frame waits 2 or 2.05 s.)
  EXPECT_NEAR(to_seconds(arr->at_b), 2.075, 0.04);
  EXPECT_NEAR(to_seconds(arr->at_a), 2.05, 0.06);
  w.run_for(kSecond);
  EXPECT_NEAR(to_seconds(arr->at_b), 3.05, 0.01);  // second frame at 3 s: radio still in DCH
}

// ---- serialization CPU ----

// Echoes its argument: a call whose request and reply carry `s`.
class Blob : public MicroService {
 public:
  std::string echo(const std::string& s) const { return s; }
  static void describe(ClassBuilder<Blob>& c) { c.reads("echo", &Blob::echo); }
};

TEST(SimTransport, SerializationChargeIsProportionalToBytesAndOpsPerByteOverSpeed) {
  // Callers of one Blob (created by "mk"): speeds S and 2S, with and without a per-byte charge.
  sim::SimOptions so;
  so.platform.hosts = {presets::cloud_server("oms"), presets::cloud_server("ks1")};
  const double speed = 1e8, k = 100;
  struct Caller {
    const char* name;
    double speed, ops_per_byte;
  };
  const Caller callers[] = {{"mk", speed, 0},     {"s0", speed, 0},     {"sk", speed, k},
                            {"f0", 2 * speed, 0}, {"fk", 2 * speed, k}, {"dk", speed, 2 * k}};
  for (const auto& c : callers) {
    HostSpec h = presets::cloud_server(c.name);
    h.speed = c.speed;
    h.serialization_ops_per_byte = c.ops_per_byte;
    so.platform.hosts.push_back(h);
  }
  ClassRegistry classes;
  classes.add<Blob>("Blob");
  SimClusterOptions o;
  o.oms_host = "oms";
  o.client_only = {"mk", "s0", "sk", "f0", "fk", "dk"};
  SimCluster cluster(so, classes, dms::builtin(), o);
  ASSERT_TRUE(cluster.wait_registered(10 * kSecond));
  Stub s;
  ASSERT_TRUE(cluster.run_on("mk", [&] {
    s = cluster.kernel("mk").create("class: Blob\nnodeSelector: [{key: name, operator: =, values: [ks1]}]\n");
  }, 10 * kSecond));
  // took[caller][size]: one call echoing `size` bytes, after a first call resolved the stub.
  std::map<std::string, std::map<int, Duration>> took;
  for (const auto& c : callers) {
    ASSERT_TRUE(cluster.run_on(c.name, [&] {
      Stub mine = cluster.kernel(c.name).acquire(s.id());
      mine.call<std::string>("echo", std::string("x"));
      for (int size : {10000, 20000}) {
        const Time t0 = cluster.now();
        EXPECT_EQ(mine.call<std::string>("echo", std::string(size, 'x')).size(), static_cast<std::size_t>(size));
        took[c.name][size] = cluster.now() - t0;
      }
    }, 10 * kSecond));
  }
  // The caller encodes the request and decodes the reply: 2 x size bytes plus a few dozen of framing.
  const double charged_s = to_seconds(took["sk"][10000] - took["s0"][10000]);
  const double bytes = charged_s * speed / k;
  EXPECT_GT(bytes, 20000);
  EXPECT_LT(bytes, 20200);
  EXPECT_EQ(took["s0"][10000], took["f0"][10000]);  // without a charge the speed does not matter
  EXPECT_NEAR(to_seconds(took["sk"][20000] - took["s0"][20000]), 2 * charged_s, charged_s * 0.01);  // twice the bytes
  EXPECT_NEAR(to_seconds(took["fk"][10000] - took["f0"][10000]), charged_s / 2, charged_s * 0.01);  // twice the speed
  EXPECT_NEAR(to_seconds(took["dk"][10000] - took["s0"][10000]), 2 * charged_s, charged_s * 0.01);  // twice the ops
}

}  // namespace
}  // namespace amino::testbed
