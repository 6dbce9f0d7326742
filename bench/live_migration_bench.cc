// The pause of a migration — how long the object refuses calls — for a large object under a steady
// write load, pre-copy live migration against stop-and-copy in the same run, on SimGrid and on
// sockets (a LoopbackCluster: real TCP on 127.0.0.1, one process). Prints, per backend and object
// size, both pauses and their ratio, and the longest write latency the clients saw during the
// migration (what a user perceives: the pause plus the clients' kMigrating retry backoff).
//
//   build/bench/live_migration_bench [--sizes_kb=1024,16384] [--backends=sim,sockets] [--writers=2]
//
// The pause is the OMS's MigrationRecord::pause (runtime/oms_groups.h). SimGrid charges the
// network (10 GbE cloud servers, testbed/presets.h) but no CPU for encoding or diffing; sockets pay
// real CPU and real loopback TCP. No figure here is asserted anywhere (bench_smoke_live_migration
// only runs it small).
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_args.h"
#include "dms/all.h"
#include "scenarios/harness/append_blob.h"
#include "sim/isolate.h"
#include "testbed/loopback_cluster.h"
#include "testbed/presets.h"
#include "testbed/sim_cluster.h"

namespace amino::bench {
namespace {

struct Result {
  bool ok = false;
  std::string error;
  double pause_ms = 0, total_ms = 0, max_write_ms = 0, median_write_ms = 0;
  long long rounds = 0, precopy_bytes = 0, final_bytes = 0, writes = 0;
};

testbed::PlatformSpec platform() {
  testbed::PlatformSpec p;
  p.hosts.push_back(testbed::presets::cloud_server("oms", "control"));
  p.hosts.push_back(testbed::presets::cloud_server("ks1", "region-1"));
  p.hosts.push_back(testbed::presets::cloud_server("ks2", "region-2"));
  testbed::HostSpec client = testbed::presets::cloud_server("client", "edge");
  client.labels["role"] = "client";
  p.hosts.push_back(client);
  return p;
}

// One migration of an AppendBlob of `bytes` from ks1 to ks2 while `writers` clients append with a
// 1 ms think time.
Result measure(testbed::Cluster& c, std::int64_t bytes, bool live, int writers, const NodeId& dst) {
  Result out;
  if (!c.wait_registered(10 * kSecond)) {
    out.error = "kernel servers did not register";
    return out;
  }
  Stub s;
  const std::string spec = "class: AppendBlob\nargs: [" + std::to_string(bytes) +
                           "]\nnodeSelector: [{key: region, operator: =, values: [region-1]}]\n";
  if (!c.run_on("client", [&] { s = c.kernel("client").create(spec); }, 60 * kSecond) || !s.valid()) {
    out.error = "create failed";
    return out;
  }
  struct Write {
    Time start, end;
  };
  std::vector<Write> done;
  bool stop = false;
  int finished = 0;
  Env& ce = c.env("client");
  for (int w = 0; w < writers; ++w) {
    ce.spawn("writer", [&, w] {
      for (std::int64_t i = 0; !stop && i < 10000000; ++i) {
        const Time t0 = ce.now();
        if (s.invoke("append", {Value(w * 100000000 + i)}, 30 * kSecond).ok()) done.push_back({t0, ce.now()});
        ce.sleep_for(kMillisecond);
      }
      ++finished;
    });
  }
  c.run_until(c.now() + 300 * kMillisecond);  // steady state
  MigrateOptions how;
  how.live = live;
  how.max_precopy_rounds = 8;
  how.delta_threshold_bytes = 16 * 1024;
  Status moved;
  Time from = c.now(), to = 0;
  if (!c.run_on("oms", [&] { moved = c.oms().migrate(s.id(), dst, how); }, 120 * kSecond)) {
    out.error = "migration did not return";
    return out;
  }
  to = c.now();
  c.run_until(c.now() + 300 * kMillisecond);
  stop = true;
  for (int i = 0; i < 400 && finished < writers; ++i) c.run_until(c.now() + 50 * kMillisecond);
  if (!moved.ok()) {
    out.error = moved.to_string();
    return out;
  }
  const MigrationRecord& r = c.oms().migrations().back();
  out.ok = true;
  out.pause_ms = static_cast<double>(r.pause) / 1e6;
  out.total_ms = static_cast<double>(r.total) / 1e6;
  out.rounds = r.rounds;
  out.precopy_bytes = r.precopy_bytes;
  out.final_bytes = r.final_bytes;
  std::vector<double> all;
  for (const Write& w : done) {
    const double ms = static_cast<double>(w.end - w.start) / 1e6;
    all.push_back(ms);
    if (w.end >= from && w.start <= to) out.max_write_ms = std::max(out.max_write_ms, ms);
  }
  out.writes = static_cast<long long>(done.size());
  if (!all.empty()) {
    std::nth_element(all.begin(), all.begin() + static_cast<long>(all.size() / 2), all.end());
    out.median_write_ms = all[all.size() / 2];
  }
  return out;
}

std::string encode(const Result& r) {
  std::ostringstream o;
  o << r.ok << ' ' << r.pause_ms << ' ' << r.total_ms << ' ' << r.max_write_ms << ' ' << r.median_write_ms << ' '
    << r.rounds << ' ' << r.precopy_bytes << ' ' << r.final_bytes << ' ' << r.writes << ' ' << r.error;
  return o.str();
}

Result decode(const std::string& s) {
  Result r;
  std::istringstream in(s);
  in >> r.ok >> r.pause_ms >> r.total_ms >> r.max_write_ms >> r.median_write_ms >> r.rounds >> r.precopy_bytes >>
      r.final_bytes >> r.writes;
  std::getline(in, r.error);
  if (!in && !r.ok && r.error.empty()) r.error = s;
  return r;
}

Result run(const std::string& backend, std::int64_t bytes, bool live, int writers) {
  DmRegistry dms;
  dms::register_all(dms);
  ClassRegistry classes;
  classes.add<scenarios::harness::AppendBlob>("AppendBlob");
  if (backend == "sim") {
    // One SimGrid engine per process: each run in a forked child.
    const sim::IsolatedResult r = sim::run_isolated([&] {
      sim::SimOptions o;
      o.seed = 1;
      o.platform = platform();
      o.log_level = LogLevel::kError;
      testbed::SimClusterOptions co;
      co.oms_host = "oms";
      testbed::SimCluster c(std::move(o), classes, dms, co);
      return encode(measure(c, bytes, live, writers, "ks2"));
    });
    if (!r.ok) return Result{false, "child failed: " + r.output};
    return decode(r.output);
  }
  testbed::LoopbackClusterOptions o;
  o.platform = platform();
  o.oms_host = "oms";
  o.emulate_network = false;  // plain loopback: the pause is CPU + TCP, nothing emulated
  o.max_frame_bytes = static_cast<std::size_t>(bytes) * 2 + (std::size_t{1} << 20);  // stop-and-copy's one frame
  testbed::LoopbackCluster c(classes, dms, o);
  return measure(c, bytes, live, writers, c.address("ks2"));  // nodes are addresses on sockets
}

}  // namespace
}  // namespace amino::bench

int main(int argc, char** argv) {
  using namespace amino::bench;
  const auto sizes = amino::bench::split(amino::bench::arg(argc, argv, "sizes_kb", "1024,16384"));
  const auto backends = amino::bench::split(amino::bench::arg(argc, argv, "backends", "sim,sockets"));
  const int writers = std::stoi(amino::bench::arg(argc, argv, "writers", "2"));
  int failures = 0;
  std::printf("%-8s %9s %-14s %9s %9s %7s %12s %11s %12s %10s %7s\n", "backend", "size", "mode", "pause_ms",
              "total_ms", "rounds", "precopy_B", "final_B", "max_write_ms", "median_ms", "writes");
  for (const auto& backend : backends) {
    for (const auto& kb : sizes) {
      const std::int64_t bytes = std::stoll(kb) * 1024;
      const Result sc = run(backend, bytes, false, writers);
      const Result lv = run(backend, bytes, true, writers);
      for (const auto* r : {&sc, &lv}) {
        const char* mode = r == &sc ? "stop-and-copy" : "live";
        if (!r->ok) {
          std::printf("%-8s %8sK %-14s failed: %s\n", backend.c_str(), kb.c_str(), mode, r->error.c_str());
          ++failures;
          continue;
        }
        std::printf("%-8s %8sK %-14s %9.2f %9.2f %7lld %12lld %11lld %12.2f %10.3f %7lld\n", backend.c_str(),
                    kb.c_str(), mode, r->pause_ms, r->total_ms, r->rounds, r->precopy_bytes, r->final_bytes,
                    r->max_write_ms, r->median_write_ms, r->writes);
      }
      if (sc.ok && lv.ok && lv.pause_ms > 0) {
        std::printf("%-8s %8sK pause stop-and-copy / live = %.1fx (max write latency %.1fx)\n", backend.c_str(),
                    kb.c_str(), sc.pause_ms / lv.pause_ms, lv.max_write_ms > 0 ? sc.max_write_ms / lv.max_write_ms : 0.0);
      }
    }
  }
  return failures == 0 ? 0 : 1;
}
