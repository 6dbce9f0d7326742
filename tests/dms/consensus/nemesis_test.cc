// A seeded nemesis sweep on the in-process backend: concurrent clients read, write and cas a few
// keys of a ConsensusRSM KvStore while kernel servers crash and restart (with or without their
// storage) and links are cut and healed; every seed's history must be linearizable.
//
// AMINO_SEEDS sets the number of seeds (default 20); AMINO_SEED_BASE the first seed (default 1).
// A failing seed prints its history excerpt; rerun it alone with AMINO_SEED_BASE=<seed> AMINO_SEEDS=1.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "testbed/check/linearizability.h"
#include "tests/dms/consensus/kv_client.h"
#include "tests/dms/consensus/rsm_cluster.h"

namespace amino::testing {
namespace {

using check::History;

struct NemesisOptions {
  int clients = 4;
  KvWorkload workload;
  Duration duration = 6 * kSecond;      // of faults; then everything heals
  Duration wipe_after = 2500 * kMillisecond;  // down this long (dead for the OMS): may lose storage
};

struct SeedReport {
  std::uint64_t seed = 0;
  check::CheckResult check;
  std::size_t ops = 0, ok = 0, unknown = 0;
  int crashes = 0, restarts = 0, wipes = 0, cuts = 0;
};

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::atoi(v);
}

// Faults between the kernel servers and the client: at most one server down at a time (the
// group keeps a majority, so progress is possible), any number of cut links.
class Nemesis {
 public:
  Nemesis(RsmCluster& rc, Rng rng, const NemesisOptions& o, SeedReport& report)
      : rc_(rc), rng_(std::move(rng)), o_(o), report_(report) {
    for (const auto& n : rc.nodes()) {
      if (n != "client") servers_.push_back(n);
    }
  }

  void act() {
    if (!down_.empty() && rc_.now() >= back_at_) {
      const bool may_wipe = rc_.now() - down_since_ >= o_.wipe_after;
      restart(!(may_wipe && rng_.chance(0.6)));
      return;
    }
    const double dice = rng_.uniform();
    if (dice < 0.3) {
      crash();
    } else if (dice < 0.55) {
      cut_random_link();
    } else if (dice < 0.70) {
      // Half of these keep the client connected: the split-brain case (an old leader still
      // reachable by clients while the others elect a new one).
      isolate(rng_.chance(0.5) ? leader_node() : random_end(), rng_.chance(0.5));
    } else {
      heal_random_link();
    }
  }

  void heal_everything() {
    for (const auto& [a, b] : cut_) rc_.world().heal(a, b);
    cut_.clear();
    if (!down_.empty()) restart(/*keep_storage=*/true);
  }

 private:
  // One server down at a time, for a random 0.2-4 s.
  void crash() {
    if (!down_.empty()) return;
    // Half the time the leader: failover is where consensus bugs live.
    const NodeId leader = leader_node();
    down_ = rng_.chance(0.5) && leader != "client" ? leader : random_server();
    down_since_ = rc_.now();
    back_at_ = down_since_ + rng_.uniform_int(200, 4000) * kMillisecond;
    rc_.world().crash(down_);
    ++report_.crashes;
  }

  void restart(bool keep_storage) {
    rc_.c().restart_kernel(down_, keep_storage);
    ++report_.restarts;
    if (!keep_storage) ++report_.wipes;
    down_.clear();
  }

  NodeId random_server() {
    return servers_[static_cast<std::size_t>(rng_.uniform_int(0, static_cast<std::int64_t>(servers_.size()) - 1))];
  }
  NodeId random_end() {
    const auto i = rng_.uniform_int(0, static_cast<std::int64_t>(servers_.size()));
    return i == static_cast<std::int64_t>(servers_.size()) ? NodeId("client") : servers_[static_cast<std::size_t>(i)];
  }
  NodeId leader_node() {
    auto l = rc_.leader();
    return l ? l->node : random_server();
  }

  void cut(const NodeId& a, const NodeId& b) {
    if (a == b) return;
    rc_.world().cut(a, b);
    cut_.insert({std::min(a, b), std::max(a, b)});
    ++report_.cuts;
  }
  void cut_random_link() { cut(random_end(), random_end()); }
  // A node cut from every other server, and maybe the client (never from the OMS).
  void isolate(const NodeId& n, bool from_client) {
    for (const auto& s : servers_) cut(n, s);
    if (from_client) cut(n, "client");
  }

  void heal_random_link() {
    if (cut_.empty()) return;
    auto it = cut_.begin();
    std::advance(it, rng_.uniform_int(0, static_cast<std::int64_t>(cut_.size()) - 1));
    rc_.world().heal(it->first, it->second);
    cut_.erase(it);
  }

  RsmCluster& rc_;
  Rng rng_;
  const NemesisOptions& o_;
  SeedReport& report_;
  std::vector<NodeId> servers_;
  NodeId down_;
  Time down_since_ = 0;
  Time back_at_ = 0;
  std::set<std::pair<NodeId, NodeId>> cut_;
};

SeedReport run_seed(std::uint64_t seed, const NemesisOptions& o) {
  SeedReport report;
  report.seed = seed;
  RsmCluster rc(4, seed);  // three replicas and a spare server for rebuilds
  Stub s = rc.create("ConsensusRSM", "{snapshotEvery: 25}");
  if (!s.valid()) {
    ADD_FAILURE() << "seed " << seed << ": could not create the microservice";
    return report;
  }
  Rng rng(seed * 0x9E3779B97F4A7C15ULL + 17);
  History history;
  bool stop = false;
  int finished = 0;
  std::vector<std::unique_ptr<KvClient>> clients;
  Env& client_env = rc.world().node("client");
  for (int p = 0; p < o.clients; ++p) {
    clients.push_back(std::make_unique<KvClient>(p, client_env, rng.fork(), s, history, o.workload));
    KvClient* c = clients.back().get();
    client_env.spawn("client", [c, &stop, &finished] {
      c->run(stop);
      ++finished;
    });
  }
  Nemesis nemesis(rc, rng.fork(), o, report);
  const Time end = rc.now() + o.duration;
  while (rc.now() < end) {
    rc.world().run_for(rng.uniform_int(100, 600) * kMillisecond);
    nemesis.act();
  }
  nemesis.heal_everything();
  rc.world().run_for(2 * kSecond);  // a quiet period: the cluster recovers, clients keep going
  stop = true;
  if (!rc.wait_for([&] { return finished == o.clients; }, 5 * kSecond)) {
    ADD_FAILURE() << "seed " << seed << ": clients did not finish";
  }
  const KvCounts counts = count_outcomes(history);
  report.ops = counts.ops;
  report.ok = counts.ok;
  report.unknown = counts.unknown;
  report.check = check::check_linearizable(history, *check::make_model("register"));
  if (report.check.verdict != check::Verdict::kLinearizable) {
    std::fprintf(stderr, "seed %llu: %s\n", static_cast<unsigned long long>(seed), report.check.summary().c_str());
  }
  return report;
}

TEST(ConsensusNemesis, HistoriesAreLinearizableUnderCrashesRestartsAndPartitions) {
  const int seeds = env_int("AMINO_SEEDS", 20);
  const int base = env_int("AMINO_SEED_BASE", 1);
  NemesisOptions o;
  std::size_t ops = 0, ok = 0, unknown = 0, violations = 0, undecided = 0;
  int crashes = 0, wipes = 0, cuts = 0;
  for (int i = 0; i < seeds; ++i) {
    const auto seed = static_cast<std::uint64_t>(base + i);
    SeedReport r = run_seed(seed, o);
    ops += r.ops;
    ok += r.ok;
    unknown += r.unknown;
    crashes += r.crashes;
    wipes += r.wipes;
    cuts += r.cuts;
    if (r.check.verdict == check::Verdict::kUnknown) ++undecided;
    if (r.check.verdict == check::Verdict::kNotLinearizable) ++violations;
    EXPECT_EQ(r.check.verdict, check::Verdict::kLinearizable) << "seed " << seed << ": " << r.check.summary();
    // Progress, not only safety: with at most one server down, most calls succeed.
    EXPECT_GT(r.ok, r.ops / 2) << "seed " << seed << ": " << r.ok << " of " << r.ops << " calls succeeded";
  }
  std::printf("[ConsensusRSM nemesis] %d seeds: %zu operations (%zu ok, %zu unknown), %d crashes (%d without "
              "storage on restart), %d link cuts; %zu violations, %zu undecided\n",
              seeds, ops, ok, unknown, crashes, wipes, cuts, violations, undecided);
}

}  // namespace
}  // namespace amino::testing
