// Null-RPC round trip over loopback TCP through the whole runtime, against a bare Boost.Asio echo of
// a frame of the same size order, both measured in the same run.
//
// Runtime side: an OMS and one kernel server hosting a no-op microservice (DefaultDM) share a
// SocketsLoop on a second thread; a client-only Kernel on its own SocketsLoop on the benchmark
// thread calls it through a Stub. One iteration = one fiber making kCallsPerIteration calls, so
// spawning the fiber and entering the loop are amortised over the batch.
// Baseline: AsioEchoServer on its own thread, blocking AsioEchoClient::roundtrip on this thread.
// Printed after the table: both per-call times and "null RPC / echo" (goal <= 1.2x, issue 14).
#include <benchmark/benchmark.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "bench/asio_echo_baseline.h"
#include "bench/bench_args.h"
#include "bench/noop_service.h"
#include "bench/ratio_reporter.h"
#include "dms/all.h"
#include "runtime/kernel.h"
#include "runtime/oms.h"
#include "runtime/sockets/sockets_env.h"

namespace {

using namespace amino;

constexpr int kCallsPerIteration = 100;
// The null RPC's request frame (Frame + InvokeRequest: call ids, deadline, "ks.invoke", "noop",
// the caller's host:port) is ~70 bytes, its reply ~15; the echo sends this many each way.
constexpr std::size_t kEchoPayloadBytes = 64;
constexpr Duration kBatchLimit = 30 * kSecond;  // a stuck batch fails the benchmark, never hangs it

sockets::SocketsEnvOptions quiet_env(const std::string& name) {
  sockets::SocketsEnvOptions o;
  o.min_log_level = LogLevel::kError;  // the client leaving at the end is not news
  o.storage_dir = std::filesystem::temp_directory_path() /
                  ("amino-bench-" + std::to_string(::getpid()) + "-" + name);
  return o;
}

// The OMS and the kernel server, serving from their own thread once constructed.
class ServerSide {
 public:
  ServerSide(const ClassRegistry& classes, const DmRegistry& dms)
      : oms_env_(loop_, quiet_env("oms")), ks_env_(loop_, quiet_env("ks")), oms_rpc_(oms_env_), oms_(oms_rpc_, dms) {
    oms_.start();
    KernelOptions ko;
    ko.oms = oms_env_.self();
    ks_ = std::make_unique<Kernel>(ks_env_, classes, dms, ko);
    ks_->start();
    // Registration happens on this thread, before the loop moves to its own.
    registered_ = loop_.run_until([this] { return ks_->registered(); }, 10 * kSecond);
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~ServerSide() {
    loop_.stop();
    thread_.join();
    ks_env_.close();
    oms_env_.close();
    std::error_code ignored;
    std::filesystem::remove_all(ks_env_.options().storage_dir, ignored);
    std::filesystem::remove_all(oms_env_.options().storage_dir, ignored);
  }
  ServerSide(const ServerSide&) = delete;
  ServerSide& operator=(const ServerSide&) = delete;

  bool registered() const { return registered_; }
  const NodeId& oms() const { return oms_env_.self(); }

 private:
  sockets::SocketsLoop loop_;
  sockets::SocketsEnv oms_env_, ks_env_;
  Rpc oms_rpc_;
  Oms oms_;
  std::unique_ptr<Kernel> ks_;
  bool registered_ = false;
  std::thread thread_;
};

// A client-only kernel on the benchmark thread, holding a Stub to the no-op object.
class ClientSide {
 public:
  ClientSide(const ClassRegistry& classes, const DmRegistry& dms, const NodeId& oms) : env_(loop_, quiet_env("client")) {
    KernelOptions ko;
    ko.oms = oms;
    ko.client_only = true;
    kernel_ = std::make_unique<Kernel>(env_, classes, dms, ko);
    kernel_->start();
  }
  ~ClientSide() { env_.close(); }
  ClientSide(const ClientSide&) = delete;
  ClientSide& operator=(const ClientSide&) = delete;

  // Runs fn in a fiber on this loop until it returns; false if it did not within kBatchLimit.
  bool run(const std::function<void()>& fn) {
    bool done = false;
    env_.spawn("bench", [&] {
      fn();
      done = true;
    });
    return loop_.run_until([&] { return done; }, kBatchLimit);
  }
  Kernel& kernel() { return *kernel_; }

 private:
  sockets::SocketsLoop loop_;
  sockets::SocketsEnv env_;
  std::unique_ptr<Kernel> kernel_;
};

// Built once and shared by every run of the benchmark (Google Benchmark calls it several times
// while it sizes the iteration count); torn down in main before exit.
struct Cluster {
  Cluster() : classes(make_classes()), server(classes, dms::builtin()), client(classes, dms::builtin(), server.oms()) {}
  static ClassRegistry make_classes() {
    ClassRegistry c;
    c.add<bench::Noop>("Noop");
    return c;
  }
  ClassRegistry classes;
  ServerSide server;
  ClientSide client;
  Stub stub;
  std::string error;  // non-empty: the cluster could not be set up
};
std::unique_ptr<Cluster> g_cluster;

Cluster& cluster() {
  if (g_cluster) return *g_cluster;
  g_cluster = std::make_unique<Cluster>();
  Cluster& c = *g_cluster;
  if (!c.server.registered()) {
    c.error = "kernel server did not register";
    return c;
  }
  const bool created = c.client.run([&] {
    try {
      c.stub = c.client.kernel().create("class: Noop\ndmList:\n  - name: DefaultDM\n");
      unwrap(c.stub.invoke("noop", {}));  // warm: connection, location, client chain
    } catch (const std::exception& e) {
      c.error = e.what();
    }
  });
  if (!created && c.error.empty()) c.error = "creating the object timed out";
  return c;
}

void BM_NullRpcSockets(benchmark::State& state) {
  Cluster& c = cluster();
  if (!c.error.empty()) {
    state.SkipWithError(c.error.c_str());
    return;
  }
  int failures = 0;
  for (auto _ : state) {
    const bool finished = c.client.run([&] {
      for (int i = 0; i < kCallsPerIteration; ++i) {
        const Reply r = c.stub.invoke("noop", {});
        failures += r.ok() ? 0 : 1;
        benchmark::DoNotOptimize(r);
      }
    });
    if (!finished || failures > 0) {
      state.SkipWithError(finished ? "a null RPC failed" : "a batch of null RPCs timed out");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kCallsPerIteration);
}

void BM_AsioEchoRoundtrip(benchmark::State& state) {
  bench::AsioEchoServer server;
  bench::AsioEchoClient client(server.port());
  const std::string payload(kEchoPayloadBytes, 'x');
  for (auto _ : state) {
    for (int i = 0; i < kCallsPerIteration; ++i) benchmark::DoNotOptimize(client.roundtrip(payload).size());
  }
  state.SetItemsProcessed(state.iterations() * kCallsPerIteration);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  // --iterations=N fixes the iteration count (0: Google Benchmark sizes it), so that two runs with
  // different N give per-call counts by difference, e.g. syscalls under `strace -c -f`.
  const auto iterations = amino::bench::size_arg(argc, argv, "--iterations", "AMINO_BENCH_SOCKETS_ITERATIONS", 0);
  for (auto* b : {benchmark::RegisterBenchmark("BM_NullRpcSockets", BM_NullRpcSockets),
                  benchmark::RegisterBenchmark("BM_AsioEchoRoundtrip", BM_AsioEchoRoundtrip)}) {
    b->Unit(benchmark::kMicrosecond)->UseRealTime();
    if (iterations > 0) b->Iterations(static_cast<benchmark::IterationCount>(iterations));
  }
  amino::bench::RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  g_cluster.reset();
  const std::string suffix = (iterations > 0 ? "/iterations:" + std::to_string(iterations) : "") + "/real_time";
  const double rpc = reporter.ns("BM_NullRpcSockets" + suffix) / kCallsPerIteration;
  const double echo = reporter.ns("BM_AsioEchoRoundtrip" + suffix) / kCallsPerIteration;
  if (rpc > 0 && echo > 0) {
    std::printf("\nnull RPC through the runtime (DefaultDM, loopback TCP): %.0f ns per call\n", rpc);
    std::printf("raw Asio echo, %zu B frame (baseline):                  %.0f ns per round trip\n",
                kEchoPayloadBytes, echo);
    std::printf("ratio null RPC / echo:                                  %.2fx (goal <= 1.2x)\n", rpc / echo);
  }
  benchmark::Shutdown();
  return reporter.any_error() ? 1 : 0;
}
