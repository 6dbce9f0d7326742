// Per-DM-layer overhead, in-process: the wall time of a null call through chains of 1..8
// pass-through DMs (each a client part and a server part that only forward). The baseline is the
// one-layer chain measured in the same run; the slope is what one more DM layer costs.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>

#include "bench/ratio_reporter.h"
#include "dms/all.h"
#include "runtime/inproc/inproc_world.h"
#include "runtime/kernel.h"
#include "runtime/oms.h"

namespace {

using namespace amino;

class Noop : public MicroService {
 public:
  std::int64_t noop() const { return 0; }
  static void describe(ClassBuilder<Noop>& c) { c.reads("noop", &Noop::noop); }
};

class PassClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    if (!server_.valid()) server_ = ctx.ref_request();
    return ctx.forward(server_, inv);
  }

 private:
  ReplicaRef server_;
};

DmDescriptor pass_dm(int i) {
  DmDescriptor d;
  d.name = "Pass" + std::to_string(i);
  d.make_client = [] { return std::make_unique<PassClient>(); };
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<GroupDM>(); };
  return d;
}

constexpr int kMaxLayers = 8;
constexpr int kCallsPerIteration = 1000;

void BM_NullCallThroughDmChain(benchmark::State& state) {
  const int layers = static_cast<int>(state.range(0));
  inproc::InProcWorld world(inproc::WorldOptions{1, 0, 1e9, false});
  DmRegistry dms;
  dms::register_all(dms);
  for (int i = 1; i <= kMaxLayers; ++i) dms.add(pass_dm(i));
  ClassRegistry classes;
  classes.add<Noop>("Noop");
  Rpc oms_rpc(world.add_node("oms"));
  Oms oms(oms_rpc, dms);
  oms.start();
  KernelOptions ko;
  ko.oms = "oms";
  // The object and its caller share one kernel server, so each call is one local kernel RPC and
  // the chain's DM layers are what varies.
  Kernel k(world.add_node("ks"), classes, dms, ko);
  k.start();
  world.run_until([&] { return k.registered(); }, kSecond);

  std::string spec = "class: Noop\ndmList:\n";
  for (int i = 1; i <= layers; ++i) spec += "  - name: Pass" + std::to_string(i) + "\n";
  Stub s;
  world.run_task("ks", [&] {
    s = k.create(spec);
    (void)s.invoke("noop", {});  // warm: resolves every level's replica once
  });
  for (auto _ : state) {
    world.run_task("ks", [&] {
      for (int i = 0; i < kCallsPerIteration; ++i) benchmark::DoNotOptimize(s.invoke("noop", {}));
    });
  }
  state.SetItemsProcessed(state.iterations() * kCallsPerIteration);
  state.counters["ns_per_call"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kCallsPerIteration), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_NullCallThroughDmChain)->DenseRange(1, kMaxLayers, 1)->Unit(benchmark::kMicrosecond);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  amino::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const double one = reporter.ns("BM_NullCallThroughDmChain/1");
  const double eight = reporter.ns("BM_NullCallThroughDmChain/8");
  if (one > 0 && eight > 0) {
    const double per_call_1 = one / kCallsPerIteration;
    const double per_call_8 = eight / kCallsPerIteration;
    const double per_layer = (per_call_8 - per_call_1) / (kMaxLayers - 1);
    std::printf("\nnull call, 1 DM layer (baseline): %.0f ns\n", per_call_1);
    std::printf("null call, %d DM layers:          %.0f ns (ratio %.2fx)\n", kMaxLayers, per_call_8, per_call_8 / per_call_1);
    std::printf("per-DM-layer overhead:            %.0f ns (goal < 1000 ns)\n", per_layer);
  }
  benchmark::Shutdown();
  return 0;
}
