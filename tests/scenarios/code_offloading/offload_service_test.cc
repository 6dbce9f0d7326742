// OffloadService on the in-process cluster: real results come back, and the simulated time of a
// call is the calibrated CPU charge (in-process nodes run 1e9 ops/s).
#include <gtest/gtest.h>

#include "scenarios/code_offloading/calibration.h"
#include "scenarios/code_offloading/offload_service.h"
#include "scenarios/code_offloading/sudoku.h"
#include "tests/kernel/inproc_cluster.h"

namespace amino::scenarios::offload {
namespace {

using testing::InProcCluster;

constexpr double kInProcSpeed = 1e9;  // inproc::WorldOptions::cpu_ops_per_second default
const char* kOnServer =
    "class: OffloadService\nnodeSelector: [{key: region, operator: notin, values: [edge]}]\n";

const char* method_of(Workload w) {
  switch (w) {
    case Workload::kPhysics: return "run_physics";
    case Workload::kSudoku: return "run_sudoku";
    case Workload::kCalculus: return "run_calculus";
    case Workload::kChessAI: return "run_chess";
    case Workload::kRegression: return "run_regression";
    case Workload::kOcr: return "run_ocr";
  }
  return "";
}

TEST(OffloadService, ChargesTheCalibratedComputeTime) {
  InProcCluster c;
  c.classes().add<OffloadService>("OffloadService");
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create(kOnServer);
    // A call without compute gives the messaging overhead to subtract (after a first call, which
    // also resolves where the object lives).
    s.call<std::map<std::string, std::int64_t>>("runs");
    Time t0 = c.world().now();
    s.call<std::map<std::string, std::int64_t>>("runs");
    const double overhead_s = to_seconds(c.world().now() - t0);
    for (Workload w : kAllWorkloads) {
      const Bytes req{paper_request(w, 1)};
      t0 = c.world().now();
      const Bytes resp = s.call<Bytes>(method_of(w), req);
      const double elapsed_s = to_seconds(c.world().now() - t0) - overhead_s;
      const double expected_s = calibration::charged_ops(w, calibration::reference_counted_ops(w)) / kInProcSpeed;
      EXPECT_NEAR(elapsed_s, expected_s, expected_s * 0.01) << workload_name(w);
      EXPECT_EQ(resp.data, run_encoded(w, req.data).response) << workload_name(w);
    }
  }));
}

TEST(OffloadService, ReturnsRealResultsAndCountsRuns) {
  InProcCluster c;
  c.classes().add<OffloadService>("OffloadService");
  std::map<std::string, std::int64_t> runs, ops;
  std::string where;
  SudokuResult solved;
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create(kOnServer);
    solved = decode_sudoku_result(s.call<Bytes>("run_sudoku", Bytes{paper_request(Workload::kSudoku, 4)}).data);
    s.call<Bytes>("run_chess", Bytes{paper_request(Workload::kChessAI)});
    s.call<Bytes>("run_chess", Bytes{paper_request(Workload::kChessAI)});
    runs = s.call<std::map<std::string, std::int64_t>>("runs");
    ops = s.call<std::map<std::string, std::int64_t>>("counted_ops");
  }));
  const std::vector<SudokuGrid> puzzles = decode_sudoku_request(paper_request(Workload::kSudoku, 4));
  ASSERT_EQ(solved.solutions.size(), puzzles.size());
  for (std::size_t i = 0; i < puzzles.size(); ++i) {
    ASSERT_TRUE(solved.solutions[i].has_value());
    EXPECT_TRUE(is_valid_sudoku_solution(puzzles[i], *solved.solutions[i]));
  }
  EXPECT_EQ(runs, (std::map<std::string, std::int64_t>{{"ChessAI", 2}, {"Sudoku", 1}}));
  EXPECT_EQ(ops.at("ChessAI"), 2 * calibration::reference_counted_ops(Workload::kChessAI));
  EXPECT_EQ(ops.at("Sudoku"), solved.counted_ops);
}

TEST(OffloadService, MalformedRequestIsAnApplicationError) {
  InProcCluster c;
  c.classes().add<OffloadService>("OffloadService");
  Reply reply;
  Time before = 0, after = 0;
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create(kOnServer);
    before = c.world().now();
    reply = s.invoke("run_physics", {Value(Bytes{"short"})});
    after = c.world().now();
  }));
  EXPECT_EQ(reply.status.code, Code::kAppError);
  EXPECT_EQ(reply.status.app_type, "std::invalid_argument");
  EXPECT_LT(after - before, 10 * kMillisecond);  // nothing was computed, nothing charged
}

}  // namespace
}  // namespace amino::scenarios::offload
