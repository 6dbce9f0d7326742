// A console reporter that also remembers each benchmark's time per iteration, so a benchmark
// program can print ratios against the baseline it ran in the same process.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

namespace amino::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Iteration || r.iterations == 0) continue;
      ns_per_iter_[r.benchmark_name()] = r.GetAdjustedRealTime() * unit_to_ns(r.time_unit);
      for (const auto& [k, c] : r.counters) counters_[r.benchmark_name() + ":" + k] = c.value;
    }
  }
  // Real time per iteration in ns, or -1 if the benchmark did not run (e.g. filtered out).
  double ns(const std::string& name) const {
    auto it = ns_per_iter_.find(name);
    return it == ns_per_iter_.end() ? -1 : it->second;
  }
  double counter(const std::string& name, const std::string& key) const {
    auto it = counters_.find(name + ":" + key);
    return it == counters_.end() ? -1 : it->second;
  }

 private:
  static double unit_to_ns(benchmark::TimeUnit u) {
    switch (u) {
      case benchmark::kNanosecond: return 1;
      case benchmark::kMicrosecond: return 1e3;
      case benchmark::kMillisecond: return 1e6;
      case benchmark::kSecond: return 1e9;
    }
    return 1;
  }
  std::map<std::string, double> ns_per_iter_;
  std::map<std::string, double> counters_;
};

}  // namespace amino::bench
