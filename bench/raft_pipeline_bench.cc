// ConsensusRSM's pipelined Raft (maxInflight > 1: several AppendEntries in flight per follower)
// against the one-at-a-time path (maxInflight 1) in the same run, on SimGrid (simulated time, so the
// figures are deterministic and the same on every machine):
//
//  game        the multiplayer game's replicated deployment (scenarios/multiplayer_game/scenario.py,
//              "replicated"): Board under ConsensusRSM-P2P on both phones (2 replicas, localReads,
//              the scenario's RSM_WAN timings), GameLogic and Scores KeepInCloud; both players move
//              every 0.5 s (GameLogic.move in the cloud -> Board.claim, committed on both phones).
//              Median move latency per player, calls started after 2 s, against the goal
//              1.3 x (phone<->phone RTT + player->cloud->leader hops), computed from the platform's
//              link latencies for the phone that leads.
//  throughput  ConsensusRSM with 3 replicas on datacenter servers (cloud_server preset, 10 GbE,
//              50 us uplinks), `clients` closed-loop writers (no think time) on one client host:
//              committed writes per simulated second after a warm-up, goal >= 3x maxInflight 1.
//
//   build/bench/raft_pipeline_bench [--inflight=1,8] [--parts=game,throughput] [--seeds=1,2,3]
//                                   [--game_seconds=30] [--dc_seconds=5] [--clients=16]
//
// The first --inflight value is the baseline of the ratios. Each run is a forked child (one SimGrid
// engine per process). No figure is asserted anywhere (bench_smoke_raft_pipeline only runs it small).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_args.h"
#include "dms/all.h"
#include "runtime/spec.h"
#include "scenarios/harness/objects.h"
#include "scenarios/multiplayer_game/game.h"
#include "sim/isolate.h"
#include "testbed/presets.h"
#include "testbed/sim_cluster.h"

namespace amino::bench {
namespace {

constexpr std::int64_t kBoardSize = 16;      // as the scenario's BOARD_SIZE
constexpr Duration kMoveThink = 500 * kMillisecond;  // MOVE_THINK
constexpr Duration kWarmup = 2 * kSecond;    // WARMUP_S
// The scenario's RSM_WAN: Raft over a 220 ms phone-phone RTT.
constexpr const char* kRsmWan =
    "rpcTimeoutMs: 600, heartbeatMs: 150, electionTimeoutMinMs: 1500, electionTimeoutMaxMs: 3000, attemptTimeoutMs: 1500";

double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

double mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? -1 : s / static_cast<double>(v.size());
}

// ---- game ------------------------------------------------------------------------------------------

testbed::PlatformSpec game_platform() {
  testbed::PlatformSpec p;
  p.hosts.push_back(testbed::presets::cloud_server("oms", "control"));
  testbed::HostSpec cloud = testbed::presets::cloud_server("cloud");
  cloud.labels["tier"] = "cloud";
  p.hosts.push_back(cloud);
  testbed::HostSpec phone1 = testbed::presets::phone_wifi("phone1");
  phone1.labels["role"] = "client";
  p.hosts.push_back(phone1);
  testbed::HostSpec phone2 = testbed::presets::phone_3g("phone2");
  phone2.labels["role"] = "client";
  p.hosts.push_back(phone2);
  return p;
}

double uplink_ms(const testbed::PlatformSpec& p, const std::string& host) {
  for (const auto& h : p.hosts) {
    if (h.name == host) return static_cast<double>(h.uplink_latency) / 1e6;
  }
  return 0;
}

// One-way latency between two hosts of a star platform: both uplinks.
double one_way_ms(const testbed::PlatformSpec& p, const std::string& a, const std::string& b) {
  return uplink_ms(p, a) + uplink_ms(p, b);
}

struct GameResult {
  bool ok = false;
  std::string error;
  std::string leader;  // host of the last Raft leader
  long long leaders = 0;  // leaders elected over the run
  double p1_median = -1, p2_median = -1, p1_mean = -1, p2_mean = -1;
  long long p1_moves = 0, p2_moves = 0, failed = 0;
};

GameResult measure_game(testbed::SimCluster& c, std::int64_t inflight, Duration span) {
  GameResult out;
  if (!c.wait_registered(10 * kSecond)) {
    out.error = "kernel servers did not register";
    return out;
  }
  const Time t0 = c.now();
  const DmRegistry& dms = dms::builtin();
  const std::string board_spec =
      "class: Board\nargs: [" + std::to_string(kBoardSize) +
      "]\nnodeSelector: [{key: role, operator: =, values: [client]}]\ndmList:\n  - name: ConsensusRSM-P2P\n"
      "    config: {replicas: 2, localReads: true, " + kRsmWan + ", maxInflight: " + std::to_string(inflight) + "}\n";
  std::string failure;
  const bool created = c.run_on("phone1", [&] {
    try {
      MicroServiceSpec board = parse_spec(board_spec, dms);
      board.name = "board";
      c.kernel("phone1").create(board);
      MicroServiceSpec scores = parse_spec("class: Scores\ndmList:\n  - name: KeepInCloud\n", dms);
      scores.name = "scores";
      c.kernel("phone1").create(scores);
      MicroServiceSpec logic = parse_spec("class: GameLogic\ndmList:\n  - name: KeepInCloud\n", dms);
      logic.name = "logic";
      Stub s = c.kernel("phone1").create(logic);
      Reply r = s.invoke("setup", {Value("board"), Value("scores")});
      if (!r.ok()) failure = "setup: " + r.status.to_string();
    } catch (const std::exception& e) {
      failure = e.what();
    }
  }, 60 * kSecond);
  if (!created || !failure.empty()) {
    out.error = created ? failure : "creation did not finish";
    return out;
  }
  // Both players move, as the scenario's clients: start 0.05 s after time 0, 0.5 s after each reply.
  struct Move {
    int player;
    Time start, end;
    bool ok;
  };
  std::vector<Move> moves;
  int finished = 0;
  const Time end = t0 + span;
  for (int i = 0; i < 2; ++i) {
    const std::string node = i == 0 ? "phone1" : "phone2";
    Env& env = c.env(node);
    Kernel& k = c.kernel(node);
    env.spawn("player", [&, i, &env = env, &k = k] {
      env.sleep_for(std::max<Duration>(0, t0 + 50 * kMillisecond - env.now()));
      Stub logic = k.stub("logic");
      const std::string player = "player" + std::to_string(i + 1);
      for (std::int64_t n = 0; n < kBoardSize * kBoardSize / 2 && env.now() < end; ++n) {
        const std::int64_t cell = (2 * n + i) % (kBoardSize * kBoardSize);
        const Time s = env.now();
        const Reply r = logic.invoke("move", {Value(player), Value(cell % kBoardSize), Value(cell / kBoardSize)},
                                     2 * kSecond);
        moves.push_back({i, s, env.now(), r.ok()});
        env.sleep_for(kMoveThink);
      }
      ++finished;
    });
  }
  c.run_until(end);
  for (int k = 0; k < 100 && finished < 2; ++k) c.run_until(c.now() + 100 * kMillisecond);
  std::vector<double> lat[2];
  for (const Move& m : moves) {
    if (!m.ok) {
      ++out.failed;
      continue;
    }
    if (m.start - t0 >= kWarmup) lat[m.player].push_back(static_cast<double>(m.end - m.start) / 1e6);
  }
  for (const auto& p : c.world().probes()) {
    if (p.kind != "raft.leader") continue;
    out.leader = p.node;
    ++out.leaders;
  }
  out.ok = true;
  out.p1_median = median(lat[0]);
  out.p2_median = median(lat[1]);
  out.p1_mean = mean(lat[0]);
  out.p2_mean = mean(lat[1]);
  out.p1_moves = static_cast<long long>(lat[0].size());
  out.p2_moves = static_cast<long long>(lat[1].size());
  return out;
}

std::string encode(const GameResult& r) {
  std::ostringstream o;
  o << r.ok << ' ' << (r.leader.empty() ? "-" : r.leader) << ' ' << r.leaders << ' ' << r.p1_median << ' '
    << r.p2_median << ' ' << r.p1_mean << ' ' << r.p2_mean << ' ' << r.p1_moves << ' ' << r.p2_moves << ' '
    << r.failed << ' ' << r.error;
  return o.str();
}

GameResult decode_game(const std::string& s) {
  GameResult r;
  std::istringstream in(s);
  in >> r.ok >> r.leader >> r.leaders >> r.p1_median >> r.p2_median >> r.p1_mean >> r.p2_mean >> r.p1_moves >>
      r.p2_moves >> r.failed;
  std::getline(in, r.error);
  if (!in && !r.ok && r.error.empty()) r.error = s;
  return r;
}

GameResult run_game(std::uint64_t seed, std::int64_t inflight, Duration span) {
  const sim::IsolatedResult r = sim::run_isolated([&] {
    sim::SimOptions o;
    o.seed = seed;
    o.platform = game_platform();
    o.log_level = LogLevel::kError;
    o.keep_trace_events = false;
    testbed::SimClusterOptions co;
    co.oms_host = "oms";
    ClassRegistry classes;
    classes.add<scenarios::game::Board>("Board");
    classes.add<scenarios::game::Scores>("Scores");
    classes.add<scenarios::game::GameLogic>("GameLogic");
    testbed::SimCluster c(std::move(o), classes, dms::builtin(), co);
    return encode(measure_game(c, inflight, span));
  });
  if (!r.ok) {
    GameResult failed;
    failed.error = "child failed: " + r.output;
    return failed;
  }
  return decode_game(r.output);
}

// ---- throughput --------------------------------------------------------------------------------------

testbed::PlatformSpec dc_platform() {
  testbed::PlatformSpec p;
  p.hosts.push_back(testbed::presets::cloud_server("oms", "control"));
  for (int i = 1; i <= 3; ++i) p.hosts.push_back(testbed::presets::cloud_server("ks" + std::to_string(i), "dc"));
  testbed::HostSpec client = testbed::presets::cloud_server("client", "dc");
  client.labels["role"] = "client";
  p.hosts.push_back(client);
  return p;
}

// Every snapshot (by default each 100 applied entries) copies every reply kept for duplicate
// suppression (by default 60 s of them): at tens of thousands of writes per simulated second that
// costs the simulator far more wall time than anything else (perf: Sessions::to_value and malloc),
// and changes nothing in simulated time (no CPU is charged). Both paths run with these two.
constexpr std::int64_t kDedupTtlMs = 1000;  // no faults here, so no call is retried
constexpr std::int64_t kSnapshotEvery = 20000;

struct ThroughputResult {
  bool ok = false;
  std::string error;
  long long writes = 0, failed = 0;
  double seconds = 0, ops_per_s = 0, median_ms = 0;
};

struct DcLoad {
  int clients = 16;
  Duration span = 2 * kSecond;
  Duration think = 0;            // mean think time after each reply (uniform in [0, 2 * think])
  std::int64_t max_batch = 64;   // ConsensusRSM maxBatch (its default)
};

ThroughputResult measure_throughput(testbed::SimCluster& c, std::int64_t inflight, const DcLoad& load) {
  const int clients = load.clients;
  const Duration span = load.span;
  ThroughputResult out;
  if (!c.wait_registered(10 * kSecond)) {
    out.error = "kernel servers did not register";
    return out;
  }
  const std::string spec =
      "class: Register\nnodeSelector: [{key: role, operator: notin, values: [client]}]\ndmList:\n"
      "  - name: ConsensusRSM\n    config: {maxInflight: " + std::to_string(inflight) +
      ", maxBatch: " + std::to_string(load.max_batch) + ", dedupTtlMs: " + std::to_string(kDedupTtlMs) +
      ", snapshotEvery: " + std::to_string(kSnapshotEvery) + "}\n";
  Stub s;
  if (!c.run_on("client", [&] { s = c.kernel("client").create(spec); }, 30 * kSecond) || !s.valid()) {
    out.error = "create failed";
    return out;
  }
  c.run_until(c.now() + kSecond);  // the group fills up to three replicas
  const Time from = c.now() + 500 * kMillisecond;  // warm-up: clients find the leader
  const Time to = from + span;
  std::vector<double> lat;
  long long in_window = 0;
  int finished = 0;
  Env& env = c.env("client");
  for (int w = 0; w < clients; ++w) {
    env.spawn("writer", [&, w] {
      const std::string key = "k" + std::to_string(w);
      for (std::int64_t i = 0; env.now() < to && i < 100000000; ++i) {
        const Time t0 = env.now();
        const Reply r = s.invoke("write", {Value(key), Value(std::to_string(i))}, 5 * kSecond);
        if (!r.ok()) {
          ++out.failed;
          env.sleep_for(10 * kMillisecond);
          continue;
        }
        if (t0 >= from && env.now() <= to) {
          ++in_window;
          lat.push_back(static_cast<double>(env.now() - t0) / 1e6);
        }
        if (load.think > 0) env.sleep_for(env.rng().uniform_int(0, 2 * load.think));
      }
      ++finished;
    });
  }
  c.run_until(to);
  for (int k = 0; k < 100 && finished < clients; ++k) c.run_until(c.now() + 100 * kMillisecond);
  out.ok = true;
  out.writes = in_window;
  out.seconds = static_cast<double>(span) / 1e9;
  out.ops_per_s = static_cast<double>(in_window) / out.seconds;
  out.median_ms = median(lat);
  return out;
}

std::string encode(const ThroughputResult& r) {
  std::ostringstream o;
  o << r.ok << ' ' << r.writes << ' ' << r.failed << ' ' << r.seconds << ' ' << r.ops_per_s << ' ' << r.median_ms
    << ' ' << r.error;
  return o.str();
}

ThroughputResult decode_throughput(const std::string& s) {
  ThroughputResult r;
  std::istringstream in(s);
  in >> r.ok >> r.writes >> r.failed >> r.seconds >> r.ops_per_s >> r.median_ms;
  std::getline(in, r.error);
  if (!in && !r.ok && r.error.empty()) r.error = s;
  return r;
}

ThroughputResult run_throughput(std::uint64_t seed, std::int64_t inflight, const DcLoad& load) {
  const sim::IsolatedResult r = sim::run_isolated([&] {
    sim::SimOptions o;
    o.seed = seed;
    o.platform = dc_platform();
    o.log_level = LogLevel::kError;
    o.keep_trace_events = false;
    testbed::SimClusterOptions co;
    co.oms_host = "oms";
    ClassRegistry classes;
    classes.add<scenarios::harness::Register>("Register");
    testbed::SimCluster c(std::move(o), classes, dms::builtin(), co);
    return encode(measure_throughput(c, inflight, load));
  });
  if (!r.ok) {
    ThroughputResult failed;
    failed.error = "child failed: " + r.output;
    return failed;
  }
  return decode_throughput(r.output);
}

// ---- main ------------------------------------------------------------------------------------------

bool has(const std::vector<std::string>& v, const char* x) { return std::find(v.begin(), v.end(), x) != v.end(); }

int game_part(const std::vector<std::int64_t>& inflights, const std::vector<std::uint64_t>& seeds, Duration span) {
  const testbed::PlatformSpec p = game_platform();
  // Goal per leading phone: a move from player P costs P->cloud and back, cloud->leader and back
  // (GameLogic calls the Board's leader), and one leader<->other-phone round trip to commit.
  auto ideal = [&](const std::string& player_host, const std::string& leader) {
    const std::string other = leader == "phone1" ? "phone2" : "phone1";
    return 2 * (one_way_ms(p, player_host, "cloud") + one_way_ms(p, "cloud", leader) + one_way_ms(p, leader, other));
  };
  std::printf("game: board under ConsensusRSM-P2P on phone1 (WiFi, %.0f ms uplink) and phone2 (3G, %.0f ms); "
              "moves through GameLogic in the cloud; %.0f s, medians of calls after %.0f s\n",
              uplink_ms(p, "phone1"), uplink_ms(p, "phone2"),
              static_cast<double>(span) / 1e9, static_cast<double>(kWarmup) / 1e9);
  for (const char* leader : {"phone1", "phone2"}) {
    std::printf("  ideal with the leader on %s: player1 %.2f ms, player2 %.2f ms; goal (x1.3): %.2f / %.2f ms\n",
                leader, ideal("phone1", leader), ideal("phone2", leader), 1.3 * ideal("phone1", leader),
                1.3 * ideal("phone2", leader));
  }
  std::printf("%-5s %9s %-7s %8s %10s %10s %10s %10s %6s %6s %7s\n", "seed", "inflight", "leader", "leaders",
              "p1_median", "p2_median", "p1_mean", "p2_mean", "p1_n", "p2_n", "failed");
  int failures = 0;
  std::map<std::int64_t, std::vector<double>> p1, p2;
  std::map<std::int64_t, std::vector<double>> p1_goal, p2_goal;
  for (const auto seed : seeds) {
    for (const auto inflight : inflights) {
      const GameResult r = run_game(seed, inflight, span);
      if (!r.ok) {
        std::printf("%-5llu %9lld failed: %s\n", static_cast<unsigned long long>(seed), static_cast<long long>(inflight),
                    r.error.c_str());
        ++failures;
        continue;
      }
      std::printf("%-5llu %9lld %-7s %8lld %10.2f %10.2f %10.2f %10.2f %6lld %6lld %7lld\n",
                  static_cast<unsigned long long>(seed), static_cast<long long>(inflight), r.leader.c_str(), r.leaders,
                  r.p1_median, r.p2_median, r.p1_mean, r.p2_mean, r.p1_moves, r.p2_moves, r.failed);
      p1[inflight].push_back(r.p1_median);
      p2[inflight].push_back(r.p2_median);
      if (r.leader == "phone1" || r.leader == "phone2") {
        p1_goal[inflight].push_back(r.p1_median / (1.3 * ideal("phone1", r.leader)));
        p2_goal[inflight].push_back(r.p2_median / (1.3 * ideal("phone2", r.leader)));
      }
    }
  }
  const std::int64_t base = inflights.front();
  for (const auto inflight : inflights) {
    std::printf("game inflight %lld: median of medians player1 %.2f ms, player2 %.2f ms", static_cast<long long>(inflight),
                median(p1[inflight]), median(p2[inflight]));
    if (!p1_goal[inflight].empty()) {
      std::printf("; / goal: %.2f, %.2f (<= 1 meets it)", median(p1_goal[inflight]), median(p2_goal[inflight]));
    }
    if (inflight != base && median(p1[inflight]) > 0) {
      std::printf("; inflight %lld / inflight %lld: player1 %.2fx, player2 %.2fx faster", static_cast<long long>(base),
                  static_cast<long long>(inflight), median(p1[base]) / median(p1[inflight]),
                  median(p2[base]) / median(p2[inflight]));
    }
    std::printf("\n");
  }
  return failures;
}

int throughput_part(const std::vector<std::int64_t>& inflights, const std::vector<std::uint64_t>& seeds,
                    const DcLoad& load) {
  std::printf("throughput: ConsensusRSM, 3 replicas on cloud_server hosts (10 GbE, 50 us uplinks), %d closed-loop "
              "writers on one client host (think %.0f us on average), maxBatch %lld, %.2f simulated s after a "
              "warm-up\n",
              load.clients, static_cast<double>(load.think) / 1e3, static_cast<long long>(load.max_batch),
              static_cast<double>(load.span) / 1e9);
  std::printf("%-5s %9s %10s %10s %8s %11s\n", "seed", "inflight", "ops/sim_s", "median_ms", "writes", "failed");
  int failures = 0;
  std::map<std::int64_t, std::vector<double>> ops;
  for (const auto seed : seeds) {
    for (const auto inflight : inflights) {
      const ThroughputResult r = run_throughput(seed, inflight, load);
      if (!r.ok) {
        std::printf("%-5llu %9lld failed: %s\n", static_cast<unsigned long long>(seed), static_cast<long long>(inflight),
                    r.error.c_str());
        ++failures;
        continue;
      }
      std::printf("%-5llu %9lld %10.0f %10.3f %8lld %11lld\n", static_cast<unsigned long long>(seed),
                  static_cast<long long>(inflight), r.ops_per_s, r.median_ms, r.writes, r.failed);
      ops[inflight].push_back(r.ops_per_s);
    }
  }
  const std::int64_t base = inflights.front();
  for (const auto inflight : inflights) {
    std::printf("throughput inflight %lld: median %.0f committed writes per simulated s", static_cast<long long>(inflight),
                median(ops[inflight]));
    if (inflight != base && median(ops[base]) > 0) {
      std::printf("; / inflight %lld = %.2fx (goal >= 3x)", static_cast<long long>(base),
                  median(ops[inflight]) / median(ops[base]));
    }
    std::printf("\n");
  }
  return failures;
}

}  // namespace
}  // namespace amino::bench

int main(int argc, char** argv) {
  using namespace amino;
  using namespace amino::bench;
  std::vector<std::int64_t> inflights;
  for (const auto& x : amino::bench::split(amino::bench::arg(argc, argv, "inflight", "1,8"))) inflights.push_back(std::stoll(x));
  std::vector<std::uint64_t> seeds;
  for (const auto& x : amino::bench::split(amino::bench::arg(argc, argv, "seeds", "1,2,3"))) seeds.push_back(std::stoull(x));
  const auto parts = amino::bench::split(amino::bench::arg(argc, argv, "parts", "game,throughput"));
  const auto game_span = static_cast<Duration>(std::stod(amino::bench::arg(argc, argv, "game_seconds", "30")) * 1e9);
  DcLoad load;
  load.span = static_cast<Duration>(std::stod(amino::bench::arg(argc, argv, "dc_seconds", "1")) * 1e9);
  load.clients = std::stoi(amino::bench::arg(argc, argv, "clients", "16"));
  load.think = static_cast<Duration>(std::stod(amino::bench::arg(argc, argv, "think_us", "0")) * 1e3);
  load.max_batch = std::stoll(amino::bench::arg(argc, argv, "max_batch", "64"));
  if (inflights.empty() || seeds.empty()) {
    std::fprintf(stderr, "--inflight and --seeds need at least one value\n");
    return 2;
  }
  int failures = 0;
  if (has(parts, "game")) failures += game_part(inflights, seeds, game_span);
  if (has(parts, "throughput")) failures += throughput_part(inflights, seeds, load);
  return failures == 0 ? 0 : 1;
}
