// OffloadService: the compute microservice of the code-offloading experiment. One method per
// workload takes the encoded request (built on the client with the workload's encoder or
// paper_request) and returns the encoded result. The work is real; the simulated CPU time is
// charged separately through runtime().compute() from the run's counted operations and the
// calibrated cost per operation (calibration.h), so a call takes the paper's time on a node whose
// speed is the calibrated device speed, whichever node the deployment manager placed it on.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "runtime/microservice.h"
#include "scenarios/code_offloading/workloads.h"

namespace amino::scenarios::offload {

class OffloadService : public MicroService {
 public:
  Bytes run_physics(const Bytes& request) { return run(Workload::kPhysics, request); }
  Bytes run_sudoku(const Bytes& request) { return run(Workload::kSudoku, request); }
  Bytes run_calculus(const Bytes& request) { return run(Workload::kCalculus, request); }
  Bytes run_chess(const Bytes& request) { return run(Workload::kChessAI, request); }
  Bytes run_regression(const Bytes& request) { return run(Workload::kRegression, request); }
  Bytes run_ocr(const Bytes& request) { return run(Workload::kOcr, request); }

  // Completed runs and counted operations per workload name, since creation (migrations keep them).
  std::map<std::string, std::int64_t> runs() const { return runs_; }
  std::map<std::string, std::int64_t> counted_ops() const { return counted_ops_; }

  static void describe(ClassBuilder<OffloadService>& c);

 private:
  Bytes run(Workload w, const Bytes& request);

  std::map<std::string, std::int64_t> runs_;
  std::map<std::string, std::int64_t> counted_ops_;
};

}  // namespace amino::scenarios::offload
