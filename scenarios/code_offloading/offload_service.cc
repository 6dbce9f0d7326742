#include "scenarios/code_offloading/offload_service.h"

#include "scenarios/code_offloading/calibration.h"

namespace amino::scenarios::offload {

Bytes OffloadService::run(Workload w, const Bytes& request) {
  WorkOutcome out = run_encoded(w, request.data);
  // The real computation above took no simulated time; this charges what it costs on this node.
  runtime().compute(calibration::charged_ops(w, out.counted_ops));
  runs_[workload_name(w)] += 1;
  counted_ops_[workload_name(w)] += out.counted_ops;
  return Bytes{std::move(out.response)};
}

// The run_* methods are mutating: they update the run counters (and must not be served by
// read-only shortcuts such as cached replicas).
void OffloadService::describe(ClassBuilder<OffloadService>& c) {
  c.writes("run_physics", &OffloadService::run_physics)
      .writes("run_sudoku", &OffloadService::run_sudoku)
      .writes("run_calculus", &OffloadService::run_calculus)
      .writes("run_chess", &OffloadService::run_chess)
      .writes("run_regression", &OffloadService::run_regression)
      .writes("run_ocr", &OffloadService::run_ocr)
      .reads("runs", &OffloadService::runs)
      .reads("counted_ops", &OffloadService::counted_ops)
      .field("runs", &OffloadService::runs_)
      .field("counted_ops", &OffloadService::counted_ops_);
}

}  // namespace amino::scenarios::offload
