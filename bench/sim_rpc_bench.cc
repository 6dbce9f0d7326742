// Simulated null RPCs per wall-clock second on the SimGrid backend, against a raw SimGrid mailbox
// ping-pong (bench/sim_baseline) measured in the same program.
//
// Runtime side: an OMS and two kernel servers (the no-op object, DefaultDM, lives on ks2) plus a
// client-only kernel on its own host, which calls the object in a closed loop (one call at a time)
// from one execution context. Each measurement is one whole simulation in a forked child
// (sim::run_isolated: one SimGrid Engine per process); wall time is taken around the call loop only.
// Baseline: the ping-pong, also forked, with as many messages as the runtime run's RPCs x 2.
//
// What the ratio compares: one RPC is one request + one reply = 2 frames, so
//   ratio = (2 x runtime RPCs per wall second) / (ping-pong messages per wall second),
// i.e. the share of the bare simulator's message rate that survives the runtime (goal >= 0.5).
// Sizes: --calls=N or AMINO_BENCH_SIM_CALLS (default 20000).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/bench_args.h"
#include "bench/noop_service.h"
#include "bench/ratio_reporter.h"
#include "bench/sim_baseline.h"
#include "dms/all.h"
#include "sim/isolate.h"
#include "testbed/sim_cluster.h"

namespace {

using namespace amino;

std::uint64_t g_calls = 20000;

struct SimRpcResult {
  std::uint64_t calls = 0, failures = 0, frames = 0;
  double wall_seconds = 0, simulated_seconds = 0;
};

testbed::PlatformSpec rpc_platform() {
  testbed::PlatformSpec p;
  for (const char* name : {"oms", "ks1", "ks2", "client"}) p.hosts.push_back(testbed::HostSpec{name, 1e9, "r", {}});
  return p;
}

// Runs in the forked child: builds the cluster, creates the object, then times the call loop.
std::string run_rpc_child(std::uint64_t calls, bool small_stacks) {
  ClassRegistry classes;
  classes.add<bench::Noop>("Noop");
  sim::SimOptions so;
  so.platform = rpc_platform();
  so.keep_trace_events = false;  // the trace hash is still computed, as in any long run
  if (small_stacks) {
    // Execution contexts run on pooled worker actors (sim_env.cc), so stacks are no longer made per
    // request; smaller stacks (64 KiB instead of 512, heap instead of mmap + guard page) still
    // touch less memory per context switch. User code with deep recursion needs the default.
    so.stack_kib = 64;
    so.simgrid_args = {"--cfg=contexts/guard-size:0"};
  }
  sim::SimWorld world(so);
  testbed::SimClusterOptions co;
  co.oms_host = "oms";
  co.client_only = {"client"};
  testbed::SimCluster cluster(world, classes, dms::builtin(), co);
  if (!cluster.wait_registered(5 * kSecond)) throw std::runtime_error("kernel servers did not register");

  Kernel& client = cluster.kernel("client");
  Stub stub;
  const bool created = cluster.run_on("client", [&] {
    stub = client.create("class: Noop\ndmList:\n  - name: DefaultDM\nnodeSelector: [{key: name, operator: =, values: [ks2]}]\n");
    (void)stub.invoke("noop", {});  // warm: location, client chain, receive actors
  }, 10 * kSecond);
  if (!created || !stub.valid()) throw std::runtime_error("could not create the no-op object");

  std::uint64_t failures = 0;
  const std::uint64_t frames_before = world.report().frames_sent;
  const Time sim_before = world.now();
  const auto t0 = std::chrono::steady_clock::now();
  const bool finished = cluster.run_on("client", [&] {
    for (std::uint64_t i = 0; i < calls; ++i) failures += stub.invoke("noop", {}).ok() ? 0 : 1;
  }, 3600 * kSecond);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!finished) throw std::runtime_error("the call loop did not finish");
  return nlohmann::json{{"calls", calls},
                        {"failures", failures},
                        {"frames", world.report().frames_sent - frames_before},
                        {"wall", wall},
                        {"sim", to_seconds(world.now() - sim_before)}}
      .dump();
}

SimRpcResult sim_null_rpcs(std::uint64_t calls, bool small_stacks) {
  const sim::IsolatedResult r = sim::run_isolated([=] { return run_rpc_child(calls, small_stacks); });
  if (!r.ok) {
    throw std::runtime_error("sim RPC child failed (exit " + std::to_string(r.exit_code) + ", signal " +
                             std::to_string(r.signal) + "): " + r.output);
  }
  const auto j = nlohmann::json::parse(r.output);
  return SimRpcResult{j["calls"], j["failures"], j["frames"], j["wall"], j["sim"]};
}

void BM_SimNullRpcRuntime(benchmark::State& state, bool small_stacks) {
  SimRpcResult r;
  for (auto _ : state) {
    try {
      r = sim_null_rpcs(g_calls, small_stacks);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
    state.SetIterationTime(r.wall_seconds);
  }
  state.counters["calls"] = static_cast<double>(r.calls);
  state.counters["failures"] = static_cast<double>(r.failures);
  state.counters["frames"] = static_cast<double>(r.frames);  // includes heartbeats in the window
  state.counters["rpc_per_s"] = static_cast<double>(r.calls) / r.wall_seconds;
}
// SimOptions defaults (512 KiB stacks with guard pages), then 64 KiB stacks without guard pages.
BENCHMARK_CAPTURE(BM_SimNullRpcRuntime, default_stacks, false)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimNullRpcRuntime, small_stacks, true)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_SimPingPongBaseline(benchmark::State& state) {
  bench::SimBaselineResult r;
  for (auto _ : state) {
    try {
      r = bench::sim_mailbox_ping_pong(2 * g_calls);
    } catch (const std::exception& e) {
      state.SkipWithError(e.what());
      return;
    }
    state.SetIterationTime(r.wall_seconds);
  }
  state.counters["messages"] = static_cast<double>(r.messages);
  state.counters["msgs_per_s"] = r.messages_per_second;
}
BENCHMARK(BM_SimPingPongBaseline)->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  g_calls = std::max<std::uint64_t>(1, amino::bench::size_arg(argc, argv, "--calls", "AMINO_BENCH_SIM_CALLS", 20000));
  amino::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double ping_ns = reporter.ns("BM_SimPingPongBaseline/iterations:1/manual_time");
  const double calls = static_cast<double>(g_calls);
  if (ping_ns > 0) {
    const double ping_msgs_per_s = 2 * calls / (ping_ns * 1e-9);
    std::printf("\nsimulated null RPCs (DefaultDM, 2 kernel servers + OMS + client), %.0f calls; 1 RPC = request + reply:\n",
                calls);
    std::printf("  baseline: %.0f ping-pong messages per wall second (raw SimGrid mailboxes)\n", ping_msgs_per_s);
    for (const char* variant : {"default_stacks", "small_stacks"}) {
      const double rpc_ns =
          reporter.ns(std::string("BM_SimNullRpcRuntime/") + variant + "/iterations:1/manual_time");
      if (rpc_ns <= 0) continue;
      const double rpc_per_s = calls / (rpc_ns * 1e-9);
      std::printf("  runtime, %-14s %.0f RPCs/s = %.0f messages/s; ratio to ping-pong messages/s: %.2f (goal >= 0.5)\n",
                  (std::string(variant) + ":").c_str(), rpc_per_s, 2 * rpc_per_s, 2 * rpc_per_s / ping_msgs_per_s);
    }
  }
  benchmark::Shutdown();
  return reporter.any_error() ? 1 : 0;
}
