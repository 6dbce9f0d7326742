// How many kernel servers and live objects one SimGrid process holds (goal: 10,000 nodes and
// 100,000 objects under 8 GB), and what each costs in memory.
//
// Each measurement is a whole simulation in a forked child (sim::run_isolated): a star platform
// (testbed::Topology::kStar, so routes cost O(hosts)) with an OMS, N kernel servers and one client-only
// host; every kernel server boots and registers; then the client creates M no-op objects (DefaultDM)
// through the OMS, placed round-robin by a name selector, from several concurrent contexts; a sample
// of them is called once; the run continues for two heartbeat periods (steady state). Peak RSS is
// getrusage(RUSAGE_SELF).ru_maxrss in the child. Two runs separate the costs: nodes only (M = 0),
// then nodes + objects; per node = RSS growth of the first / N, per object = extra growth / M.
//
// Sizes: --nodes=N --objects=M (or AMINO_BENCH_SCALE_NODES / AMINO_BENCH_SCALE_OBJECTS); the
// defaults take seconds. Full run: --nodes=10000 --objects=100000.
// Also --stack_kib=K (actor stacks; default 512), --creators=C (concurrent create contexts),
// --mmap_stacks=0 (let glibc place stacks on the heap, where calloc makes them fully resident).
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>
#include <simgrid/s4u.hpp>

#include "bench/bench_args.h"
#include "bench/noop_service.h"
#include "bench/ratio_reporter.h"
#include "dms/all.h"
#include "runtime/spec.h"
#include "sim/isolate.h"
#include "testbed/sim_cluster.h"

namespace {

using namespace amino;

struct ScaleConfig {
  std::uint64_t nodes = 200;
  std::uint64_t objects = 2000;
  std::uint64_t stack_kib = 512;  // SimOptions default; with mmap_stacks only touched pages count
  std::uint64_t creators = 64;
  std::uint64_t probes = 100;  // objects called once after creation, to show they are live
  bool mmap_stacks = true;
};
ScaleConfig g_config;

// Heartbeats and liveness checks scaled for thousands of nodes: the defaults (500 ms / 250 ms)
// would spend most of the run on heartbeats, which is not what this run measures.
constexpr Duration kHeartbeatPeriod = 5 * kSecond;

struct ScaleResult {
  std::uint64_t nodes = 0, registered = 0, objects = 0, create_failures = 0, probe_failures = 0, actors = 0;
  double rss_base_mib = 0, rss_peak_mib = 0, rss_end_mib = 0;
  double boot_wall = 0, create_wall = 0, simulated_seconds = 0;
};

double current_rss_mib() {
  std::ifstream statm("/proc/self/statm");
  double pages_total = 0, pages_resident = 0;
  statm >> pages_total >> pages_resident;
  return pages_resident * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double peak_rss_mib() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

std::string server_name(std::uint64_t i) { return "ks" + std::to_string(i); }

testbed::PlatformSpec scale_platform(std::uint64_t nodes) {
  testbed::PlatformSpec p;
  p.topology = testbed::Topology::kStar;
  p.hosts.reserve(nodes + 2);
  p.hosts.push_back(testbed::HostSpec{"oms", 1e9, "control", {}});
  p.hosts.push_back(testbed::HostSpec{"client", 1e9, "edge", {}});
  for (std::uint64_t i = 0; i < nodes; ++i) {
    p.hosts.push_back(testbed::HostSpec{server_name(i), 1e9, "region-" + std::to_string(i % 16), {}});
  }
  return p;
}

testbed::SimClusterOptions scale_cluster_options() {
  testbed::SimClusterOptions co;
  co.oms_host = "oms";
  co.client_only = {"client"};
  co.kernel.heartbeat_period = kHeartbeatPeriod;
  co.kernel.control_timeout = 60 * kSecond;  // thousands of registrations arrive at once
  co.kernel.call_timeout = 60 * kSecond;
  co.oms.heartbeat_timeout = 12 * kHeartbeatPeriod;
  co.oms.check_period = kHeartbeatPeriod;
  return co;
}

// Runs the simulation in slices until done() or `limit` of simulated time has passed.
bool run_until(sim::SimWorld& world, const std::function<bool()>& done, Duration limit) {
  const Time end = world.now() + limit;
  while (!done() && world.now() < end) world.run_until(std::min(end, world.now() + 100 * kMillisecond));
  return done();
}

// Creates `objects` no-op objects from `creators` concurrent contexts on the client; object i goes
// to kernel server i mod nodes. Keeps every probe_every-th stub for the liveness probe.
struct Creation {
  std::uint64_t created = 0, failures = 0, creators_done = 0;
  std::vector<Stub> probes;
};

void create_objects(sim::SimWorld& world, Kernel& client, const ScaleConfig& cfg, Creation& out) {
  MicroServiceSpec base = parse_spec("class: Noop\ndmList:\n  - name: DefaultDM\n", dms::builtin());
  const std::uint64_t probe_every = std::max<std::uint64_t>(1, cfg.objects / std::max<std::uint64_t>(1, cfg.probes));
  const std::uint64_t creators = std::max<std::uint64_t>(1, std::min(cfg.creators, cfg.objects));
  for (std::uint64_t c = 0; c < creators; ++c) {
    world.env("client").spawn("creator", [&, base, c, creators, probe_every]() mutable {
      for (std::uint64_t i = c; i < cfg.objects; i += creators) {
        base.selector.terms = {{Requirement{"name", Requirement::Op::kEquals, {server_name(i % cfg.nodes)}}}};
        try {
          Stub s = client.create(base);
          ++out.created;
          if (i % probe_every == 0) out.probes.push_back(s);
        } catch (const std::exception&) {
          ++out.failures;
        }
      }
      ++out.creators_done;
    });
  }
  run_until(world, [&] { return out.creators_done == creators; }, 24 * 3600 * kSecond);
}

std::string run_scale_child(const ScaleConfig& cfg) {
  if (cfg.mmap_stacks) {
    // Without guard pages SimGrid callocs each actor stack. From the heap, calloc zeroes it, so the
    // whole stack becomes resident; from a fresh mmap it is zero already and only the pages an actor
    // touches count. A fixed threshold (which also stops glibc from raising it as stacks are freed)
    // keeps every stack of at least this size on mmap; adjacent mappings merge, so tens of thousands
    // of stacks stay far below vm.max_map_count.
    ::mallopt(M_MMAP_THRESHOLD, static_cast<int>(cfg.stack_kib * 1024));
  }
  ScaleResult r;
  r.rss_base_mib = current_rss_mib();
  const auto t0 = std::chrono::steady_clock::now();
  ClassRegistry classes;
  classes.add<bench::Noop>("Noop");
  sim::SimOptions so;
  so.platform = scale_platform(cfg.nodes);
  so.keep_trace_events = false;
  so.log_level = LogLevel::kError;
  so.stack_kib = static_cast<int>(cfg.stack_kib);
  // Without guard pages every actor stack is one plain allocation instead of two memory mappings,
  // which keeps tens of thousands of actors under vm.max_map_count (TOOLCHAIN.md).
  so.simgrid_args = {"--cfg=contexts/guard-size:0"};
  sim::SimWorld world(so);
  testbed::SimCluster cluster(world, classes, dms::builtin(), scale_cluster_options());
  cluster.wait_registered(120 * kSecond);
  r.nodes = cfg.nodes;
  r.registered = cluster.oms().nodes().size();
  const auto t1 = std::chrono::steady_clock::now();
  r.boot_wall = std::chrono::duration<double>(t1 - t0).count();

  Creation created;
  if (cfg.objects > 0) create_objects(world, cluster.kernel("client"), cfg, created);
  std::uint64_t probe_failures = 0;
  cluster.run_on("client", [&] {
    for (const Stub& s : created.probes) probe_failures += s.invoke("noop", {}).ok() ? 0 : 1;
  }, 600 * kSecond);
  r.create_wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  world.run_for(2 * kHeartbeatPeriod);  // steady state: every node heartbeats with its objects

  for (const auto& node : cluster.kernel_nodes()) r.objects += cluster.kernel(node).local_objects().size();
  r.create_failures = created.failures;
  r.probe_failures = probe_failures;
  r.actors = simgrid::s4u::Engine::get_instance()->get_actor_count();
  r.simulated_seconds = to_seconds(world.now());
  r.rss_peak_mib = peak_rss_mib();
  r.rss_end_mib = current_rss_mib();
  return nlohmann::json{{"nodes", r.nodes},         {"registered", r.registered},
                        {"objects", r.objects},     {"create_failures", r.create_failures},
                        {"probe_failures", r.probe_failures}, {"actors", r.actors},
                        {"rss_base", r.rss_base_mib}, {"rss_peak", r.rss_peak_mib}, {"rss_end", r.rss_end_mib},
                        {"boot_wall", r.boot_wall}, {"create_wall", r.create_wall},
                        {"sim", r.simulated_seconds}}
      .dump();
}

ScaleResult run_scale(const ScaleConfig& cfg) {
  const sim::IsolatedResult out = sim::run_isolated([&cfg] { return run_scale_child(cfg); });
  if (!out.ok) {
    throw std::runtime_error("scale child failed (exit " + std::to_string(out.exit_code) + ", signal " +
                             std::to_string(out.signal) + "): " + out.output);
  }
  const auto j = nlohmann::json::parse(out.output);
  ScaleResult r;
  r.nodes = j["nodes"];
  r.registered = j["registered"];
  r.objects = j["objects"];
  r.create_failures = j["create_failures"];
  r.probe_failures = j["probe_failures"];
  r.actors = j["actors"];
  r.rss_base_mib = j["rss_base"];
  r.rss_peak_mib = j["rss_peak"];
  r.rss_end_mib = j["rss_end"];
  r.boot_wall = j["boot_wall"];
  r.create_wall = j["create_wall"];
  r.simulated_seconds = j["sim"];
  return r;
}

void report(benchmark::State& state, const ScaleResult& r) {
  state.counters["nodes"] = static_cast<double>(r.registered);
  state.counters["objects"] = static_cast<double>(r.objects);
  state.counters["actors"] = static_cast<double>(r.actors);
  state.counters["rss_peak_MiB"] = r.rss_peak_mib;
  state.counters["rss_base_MiB"] = r.rss_base_mib;
  state.counters["rss_end_MiB"] = r.rss_end_mib;  // steady state, after the run
  state.counters["boot_s"] = r.boot_wall;
  state.counters["create_s"] = r.create_wall;
  state.counters["failures"] = static_cast<double>(r.create_failures + r.probe_failures + (r.nodes - r.registered));
}

// One child run per benchmark; the wall time reported is the whole child's work (boot + creation).
void run_benchmark(benchmark::State& state, const ScaleConfig& cfg) {
  ScaleResult r;
  for (auto _ : state) {
    try {
      r = run_scale(cfg);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
    state.SetIterationTime(r.boot_wall + r.create_wall);
  }
  report(state, r);
}

void BM_ScaleNodesOnly(benchmark::State& state) {
  ScaleConfig cfg = g_config;
  cfg.objects = 0;
  run_benchmark(state, cfg);
}
BENCHMARK(BM_ScaleNodesOnly)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_ScaleNodesAndObjects(benchmark::State& state) { run_benchmark(state, g_config); }
BENCHMARK(BM_ScaleNodesAndObjects)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

void print_summary(const bench::RatioReporter& rep) {
  const std::string nodes_only = "BM_ScaleNodesOnly/iterations:1/manual_time";
  const std::string with_objects = "BM_ScaleNodesAndObjects/iterations:1/manual_time";
  const double start_rss = rep.counter(nodes_only, "rss_base_MiB");
  const double base_rss = rep.counter(nodes_only, "rss_peak_MiB");
  const double full_rss = rep.counter(with_objects, "rss_peak_MiB");
  const double nodes = rep.counter(with_objects, "nodes");
  const double objects = rep.counter(with_objects, "objects");
  if (base_rss <= 0 || full_rss <= 0 || nodes <= 0) return;
  std::printf("\nscale on the SimGrid backend (star platform, %llu KiB actor stacks):\n",
              static_cast<unsigned long long>(g_config.stack_kib));
  std::printf("  kernel servers registered: %.0f (asked %llu), live objects: %.0f (asked %llu), failures: %.0f\n",
              nodes, static_cast<unsigned long long>(g_config.nodes), objects,
              static_cast<unsigned long long>(g_config.objects), rep.counter(with_objects, "failures"));
  std::printf("  peak RSS: %.1f MiB with objects, %.1f MiB nodes only (goal: 10,000 nodes + 100,000 objects < 8 GB)\n",
              full_rss, base_rss);
  std::printf("  memory per node:   %.1f KiB ((nodes-only peak - %.1f MiB at the child's start) / nodes)\n",
              (base_rss - start_rss) * 1024 / nodes, start_rss);
  if (objects > 0) {
    // Steady-state RSS, not peaks: a peak may be a transient (e.g. thousands of registrations at
    // once) that later allocations fit into.
    const double end_base = rep.counter(nodes_only, "rss_end_MiB");
    const double end_full = rep.counter(with_objects, "rss_end_MiB");
    std::printf("  memory per object: %.2f KiB ((RSS at the end with objects - without) / objects; %.1f vs %.1f MiB)\n",
                (end_full - end_base) * 1024 / objects, end_full, end_base);
  }
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  using amino::bench::size_arg;
  g_config.nodes = std::max<std::uint64_t>(1, size_arg(argc, argv, "--nodes", "AMINO_BENCH_SCALE_NODES", g_config.nodes));
  g_config.objects = size_arg(argc, argv, "--objects", "AMINO_BENCH_SCALE_OBJECTS", g_config.objects);
  g_config.stack_kib = size_arg(argc, argv, "--stack_kib", "AMINO_BENCH_SCALE_STACK_KIB", g_config.stack_kib);
  g_config.mmap_stacks = size_arg(argc, argv, "--mmap_stacks", "AMINO_BENCH_SCALE_MMAP_STACKS", 1) != 0;
  g_config.creators = size_arg(argc, argv, "--creators", "AMINO_BENCH_SCALE_CREATORS", g_config.creators);
  amino::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  print_summary(reporter);
  benchmark::Shutdown();
  return reporter.any_error() ? 1 : 0;
}
