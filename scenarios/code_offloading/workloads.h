// The six workloads of the code-offloading experiment (Sapphire OSDI'14, reference §4) behind one
// interface: an encoded request in, an encoded response and a deterministic count of the abstract
// operations performed out. The count, never a measured time, is what the calibration
// (calibration.h) turns into CPU work charged to the hosting node.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/rng.h"

namespace amino::scenarios::offload {

enum class Workload { kPhysics, kSudoku, kCalculus, kChessAI, kRegression, kOcr };

inline constexpr std::array<Workload, 6> kAllWorkloads = {Workload::kPhysics,  Workload::kSudoku,
                                                          Workload::kCalculus, Workload::kChessAI,
                                                          Workload::kRegression, Workload::kOcr};

// "Physics", "Sudoku", ... (the paper's names).
const char* workload_name(Workload w);
std::optional<Workload> workload_from_name(std::string_view name);

// Abstract operations of one run. What one operation is differs per workload (a pair interaction, a
// candidate elimination, a function evaluation, a search node, a multiply-add, a pixel comparison);
// the per-workload cost constant of calibration.h says how much CPU work one of them stands for.
class OpCounter {
 public:
  void add(std::int64_t n = 1) { n_ += n; }
  std::int64_t count() const { return n_; }

 private:
  std::int64_t n_ = 0;
};

// A standard normal draw by Box-Muller, for generated inputs (noise). Own transform rather than
// std::normal_distribution, whose output is implementation-defined: a seed must mean the same data
// on every platform.
double standard_normal(Rng& rng);

struct WorkOutcome {
  std::string response;        // the encoded result, shipped back when offloaded
  std::int64_t counted_ops = 0;
};

// Decodes `request`, does the work, encodes the result. Throws std::invalid_argument on a malformed
// request.
WorkOutcome run_encoded(Workload w, std::string_view request);

// The request at "the paper's size": the input whose run the Base times of the paper stand for, and
// on which calibration.h's reference operation counts were taken (seed 1). Other seeds give inputs
// of the same size and shape, whose counts differ a little for the search-based workloads.
std::string paper_request(Workload w, std::uint64_t seed = 1);

}  // namespace amino::scenarios::offload
