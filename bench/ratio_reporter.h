// A console reporter that also remembers each benchmark's time per iteration, so a benchmark
// program can print ratios against the baseline it ran in the same process.
#pragma once

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <string>

namespace amino::bench {

class RatioReporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal, so logs and ctest output stay plain text.
  RatioReporter() : ConsoleReporter(::isatty(STDOUT_FILENO) != 0 ? OO_Defaults : OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const auto& r : runs) {
      any_error_ = any_error_ || r.error_occurred;
      // With --benchmark_repetitions, the median aggregate (reported after the repetitions)
      // replaces the last repetition under the plain name, so ratios use medians.
      const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
      if (!median && (r.run_type != Run::RT_Iteration || r.iterations == 0)) continue;
      const std::string name = median ? r.run_name.str() : r.benchmark_name();
      ns_per_iter_[name] = r.GetAdjustedRealTime() * unit_to_ns(r.time_unit);
      for (const auto& [k, c] : r.counters) counters_[name + ":" + k] = c.value;
    }
  }
  // Real time per iteration in ns, or -1 if the benchmark did not run (e.g. filtered out).
  double ns(const std::string& name) const {
    auto it = ns_per_iter_.find(name);
    return it == ns_per_iter_.end() ? -1 : it->second;
  }
  // True if a benchmark stopped with SkipWithError: main returns non-zero, so smoke tests notice.
  bool any_error() const { return any_error_; }
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
  bool any_error_ = false;
};

}  // namespace amino::bench
