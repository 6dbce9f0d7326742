// Each workload computes a correct result of its kind, counts its operations deterministically and
// survives its own wire encoding.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "scenarios/code_offloading/calculus.h"
#include "scenarios/code_offloading/ocr.h"
#include "scenarios/code_offloading/physics.h"
#include "scenarios/code_offloading/regression.h"
#include "scenarios/code_offloading/sudoku.h"
#include "scenarios/code_offloading/workloads.h"

namespace amino::scenarios::offload {
namespace {

TEST(Physics, LeapfrogConservesEnergyAndMomentum) {
  const PhysicsInput in = make_physics_input(1, kPaperBodies, kPaperSteps);
  const PhysicsResult r = simulate(in);
  ASSERT_LT(r.energy_before, 0);  // a bound cluster
  EXPECT_LT(std::abs(r.energy_after - r.energy_before) / std::abs(r.energy_before), 1e-4);
  EXPECT_NEAR(total_energy(r.bodies, in.softening), r.energy_after, 1e-12);
  for (int k = 0; k < 3; ++k) {
    double p = 0;
    for (const Body& b : r.bodies) p += b.mass * b.vel[k];
    EXPECT_NEAR(p, 0, 1e-12) << "axis " << k;
  }
  double moved = 0;
  for (std::size_t i = 0; i < in.bodies.size(); ++i) moved += std::abs(r.bodies[i].pos[0] - in.bodies[i].pos[0]);
  EXPECT_GT(moved / static_cast<double>(in.bodies.size()), 0.05);  // the bodies really moved
}

TEST(Physics, CountsPairInteractionsAndBodyUpdates) {
  const PhysicsInput in = make_physics_input(3, 10, 7);
  const std::int64_t pairs = 10 * 9 / 2;
  // forces once before the loop and once per step, two energy evaluations, kick-drift-kick per step
  EXPECT_EQ(simulate(in).counted_ops, pairs * (7 + 1) + 2 * pairs + 3 * 10 * 7);
}

TEST(Physics, TooCoarseAStepBreaksEnergyConservation) {
  PhysicsInput in = make_physics_input(1, kPaperBodies, 40);
  in.dt = 0.05;  // larger than the softened encounter time: the check above must be able to fail
  const PhysicsResult r = simulate(in);
  EXPECT_GT(std::abs(r.energy_after - r.energy_before) / std::abs(r.energy_before), 1e-4);
}

TEST(Physics, RequestAndResultRoundTrip) {
  const PhysicsInput in = make_physics_input(5, 6, 3);
  const PhysicsInput back = decode_physics_input(encode_physics_input(in));
  ASSERT_EQ(back.bodies.size(), in.bodies.size());
  EXPECT_EQ(back.bodies[4].vel, in.bodies[4].vel);
  EXPECT_EQ(back.steps, 3);
  const PhysicsResult r = simulate(in);
  const PhysicsResult rb = decode_physics_result(encode_physics_result(r));
  EXPECT_EQ(rb.bodies[2].pos, r.bodies[2].pos);
  EXPECT_EQ(rb.counted_ops, r.counted_ops);
}

TEST(Sudoku, SolvesEveryPuzzleOfTheSetValidly) {
  const SudokuResult r = solve_sudokus(sudoku_puzzle_set());
  ASSERT_EQ(r.solutions.size(), sudoku_puzzle_set().size());
  for (std::size_t i = 0; i < r.solutions.size(); ++i) {
    ASSERT_TRUE(r.solutions[i].has_value()) << "puzzle " << i;
    EXPECT_TRUE(is_valid_sudoku_solution(sudoku_puzzle_set()[i], *r.solutions[i])) << "puzzle " << i;
  }
  std::int64_t guesses = 0;
  for (std::int64_t n : r.search_nodes) guesses += n;
  EXPECT_GT(guesses, 0);  // propagation alone does not crack the hard ones: search is exercised
}

TEST(Sudoku, ShuffledPuzzlesStaySolvable) {
  Rng rng(42);
  for (const SudokuGrid& p : sudoku_puzzle_set()) {
    const SudokuGrid q = shuffle_sudoku(p, rng);
    EXPECT_NE(q, p);
    OpCounter ops;
    const auto s = solve_sudoku(q, ops);
    ASSERT_TRUE(s.has_value());
    EXPECT_TRUE(is_valid_sudoku_solution(q, *s));
  }
}

TEST(Sudoku, ContradictoryPuzzleHasNoSolutionAndValidatorRejectsBadGrids) {
  SudokuGrid bad(81, '.');
  bad[0] = '5';
  bad[8] = '5';  // the same digit twice in row 1
  OpCounter ops;
  EXPECT_FALSE(solve_sudoku(bad, ops).has_value());
  const SudokuResult r = solve_sudokus({sudoku_puzzle_set()[0]});
  SudokuGrid wrong = *r.solutions[0];
  std::swap(wrong[0], wrong[1]);
  EXPECT_FALSE(is_valid_sudoku_solution(sudoku_puzzle_set()[0], wrong));
  EXPECT_THROW(solve_sudoku("123", ops), std::invalid_argument);
}

TEST(Calculus, MatchesClosedForms) {
  const CalculusResult r = run_calculus(paper_calculus_tasks());
  const double pi = std::numbers::pi, e = std::numbers::e;
  const double gauss_0_1 = std::sqrt(pi) / 2 * std::erf(1.0);
  const double b = 2 * pi;
  const std::vector<double> expected = {
      2,
      pi,
      std::sqrt(pi) / 2 * std::erf(3.0),
      (2 * e * e * e + 1) / 9,
      (1 + std::exp(-b) * (20 * std::sin(20 * b) - std::cos(20 * b))) / 401,
      gauss_0_1 * gauss_0_1,
      std::cos(1.0),
      -2 * 0.5 * std::exp(-0.25),
      std::numbers::ln2,
      pi * pi / 6,
      std::exp(2.5),
  };
  const std::vector<double> tolerance = {1e-10, 1e-10, 1e-10, 1e-10, 1e-10, 1e-12, 1e-9, 1e-9, 2e-6, 1e-12, 1e-12};
  ASSERT_EQ(r.values.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(r.values[i], expected[i], tolerance[i]) << "task " << i;
}

TEST(Calculus, TighterToleranceCostsMoreEvaluations) {
  auto evals = [](double tol) {
    return run_calculus({{CalcOp::kIntegrate, static_cast<std::uint8_t>(CalcFunction::kGaussian), 0, 3, tol, 0}})
        .counted_ops;
  };
  EXPECT_LT(evals(1e-6), evals(1e-10));
  EXPECT_THROW(run_calculus({{CalcOp::kIntegrate, 99, 0, 1, 1e-6, 0}}), std::invalid_argument);
}

TEST(Regression, RecoversKnownCoefficients) {
  const RegressionData d = make_regression_data(7, kPaperRows, kPaperCoefficients, kPaperNoiseSd, kPaperBootstrap);
  const RegressionResult r = fit_regression(d);
  ASSERT_EQ(r.coefficients.size(), kPaperCoefficients.size());
  // Standard error of a slope: noise / sqrt(n var(x)), var(x) = 1/3 for U(-1, 1).
  const double se = kPaperNoiseSd / std::sqrt(kPaperRows / 3.0);
  for (std::size_t j = 0; j < r.coefficients.size(); ++j) {
    EXPECT_NEAR(r.coefficients[j], kPaperCoefficients[j], 5 * se) << "coefficient " << j;
  }
  for (std::size_t j = 1; j < r.std_errors.size(); ++j) {
    EXPECT_GT(r.std_errors[j], se / 2) << j;
    EXPECT_LT(r.std_errors[j], se * 2) << j;
  }
  EXPECT_NEAR(r.residual_sd, kPaperNoiseSd, 0.01);
  EXPECT_GT(r.r_squared, 0.99);
}

TEST(Regression, RankDeficientDesignIsRejected) {
  RegressionData d = make_regression_data(1, 50, {1, 2}, 0.1, 0);
  for (float& x : d.x) x = 0;  // the feature column is all zeros
  EXPECT_THROW(fit_regression(d), std::invalid_argument);
}

TEST(Ocr, ReadsCleanScansExactly) {
  const std::string text(kOcrAlphabet);
  const OcrResult r = recognise(render_ocr_image(text, 12, 2, 0, 9));
  EXPECT_EQ(r.text, text);
}

TEST(Ocr, ReadsMostGlyphsAtThePaperNoise) {
  int right = 0, total = 0;
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    const std::string text = random_ocr_text(seed, kPaperOcrLength);
    const OcrResult r = recognise(
        render_ocr_image(text, kPaperOcrColumns, kPaperOcrScale, kPaperOcrNoiseSd, seed + 100));
    ASSERT_EQ(r.text.size(), text.size());
    for (std::size_t i = 0; i < text.size(); ++i) right += r.text[i] == text[i];
    total += static_cast<int>(text.size());
  }
  EXPECT_GE(right, total * 95 / 100) << right << "/" << total;
}

TEST(Ocr, OverwhelmingNoiseDefeatsIt) {
  const std::string text = random_ocr_text(3, kPaperOcrLength);
  const OcrResult r = recognise(render_ocr_image(text, kPaperOcrColumns, kPaperOcrScale, 400, 4));
  int right = 0;
  for (std::size_t i = 0; i < text.size(); ++i) right += r.text[i] == text[i];
  EXPECT_LT(right, static_cast<int>(text.size()) * 3 / 4);  // the accuracy check above is not vacuous
}

TEST(Workloads, SameRequestSameCountAndResponse) {
  for (Workload w : kAllWorkloads) {
    const std::string req = paper_request(w, 11);
    EXPECT_EQ(req, paper_request(w, 11)) << workload_name(w);
    const WorkOutcome a = run_encoded(w, req), b = run_encoded(w, req);
    EXPECT_GT(a.counted_ops, 0) << workload_name(w);
    EXPECT_EQ(a.counted_ops, b.counted_ops) << workload_name(w);
    EXPECT_EQ(a.response, b.response) << workload_name(w);
  }
}

TEST(Workloads, MalformedRequestsAreRejected) {
  for (Workload w : kAllWorkloads) {
    const std::string req = paper_request(w, 1);
    EXPECT_THROW(run_encoded(w, req.substr(0, req.size() - 1)), std::invalid_argument) << workload_name(w);
    EXPECT_THROW(run_encoded(w, req + "x"), std::invalid_argument) << workload_name(w);
  }
}

TEST(Workloads, NamesRoundTrip) {
  for (Workload w : kAllWorkloads) EXPECT_EQ(workload_from_name(workload_name(w)), w);
  EXPECT_FALSE(workload_from_name("Tetris").has_value());
}

}  // namespace
}  // namespace amino::scenarios::offload
