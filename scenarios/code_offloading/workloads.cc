#include "scenarios/code_offloading/workloads.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

#include "runtime/rng.h"
#include "scenarios/code_offloading/calculus.h"
#include "scenarios/code_offloading/chess_ai.h"
#include "scenarios/code_offloading/ocr.h"
#include "scenarios/code_offloading/physics.h"
#include "scenarios/code_offloading/regression.h"
#include "scenarios/code_offloading/sudoku.h"

namespace amino::scenarios::offload {

namespace {

// Decode, run, encode: the whole server-side life of one offloaded request.
template <typename Decode, typename Run, typename Encode>
WorkOutcome run_with(std::string_view request, Decode decode, Run run, Encode encode) {
  const auto result = run(decode(request));
  return {encode(result), result.counted_ops};
}

std::string sudoku_paper_request(std::uint64_t seed) {
  Rng rng(seed);
  std::vector<SudokuGrid> puzzles;
  for (const SudokuGrid& p : sudoku_puzzle_set()) puzzles.push_back(shuffle_sudoku(p, rng));
  return encode_sudoku_request(puzzles);
}

std::string ocr_paper_request(std::uint64_t seed) {
  const std::string text = random_ocr_text(seed, kPaperOcrLength);
  // The scan's noise gets its own stream so that the text does not depend on the rendering.
  return encode_ocr_request(
      render_ocr_image(text, kPaperOcrColumns, kPaperOcrScale, kPaperOcrNoiseSd, seed ^ 0x0C0FFEE0ULL));
}

}  // namespace

double standard_normal(Rng& rng) {
  const double u1 = 1.0 - rng.uniform();  // in (0, 1]: the log is finite
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * std::numbers::pi * rng.uniform());
}

const char* workload_name(Workload w) {
  switch (w) {
    case Workload::kPhysics: return "Physics";
    case Workload::kSudoku: return "Sudoku";
    case Workload::kCalculus: return "Calculus";
    case Workload::kChessAI: return "ChessAI";
    case Workload::kRegression: return "Regression";
    case Workload::kOcr: return "OCR";
  }
  return "?";
}

std::optional<Workload> workload_from_name(std::string_view name) {
  for (Workload w : kAllWorkloads) {
    if (name == workload_name(w)) return w;
  }
  return std::nullopt;
}

WorkOutcome run_encoded(Workload w, std::string_view request) {
  switch (w) {
    case Workload::kPhysics:
      return run_with(request, decode_physics_input, simulate, encode_physics_result);
    case Workload::kSudoku:
      return run_with(request, decode_sudoku_request, solve_sudokus, encode_sudoku_result);
    case Workload::kCalculus:
      return run_with(request, decode_calculus_request, run_calculus, encode_calculus_result);
    case Workload::kChessAI:
      return run_with(request, decode_chess_request, run_chess, encode_chess_result);
    case Workload::kRegression:
      return run_with(request, decode_regression_request, fit_regression, encode_regression_result);
    case Workload::kOcr:
      return run_with(request, decode_ocr_request, recognise, encode_ocr_result);
  }
  throw std::invalid_argument("unknown workload");
}

std::string paper_request(Workload w, std::uint64_t seed) {
  switch (w) {
    case Workload::kPhysics:
      return encode_physics_input(make_physics_input(seed, kPaperBodies, kPaperSteps));
    case Workload::kSudoku:
      return sudoku_paper_request(seed);
    case Workload::kCalculus:  // a fixed task list: the seed does not change it
      return encode_calculus_request(paper_calculus_tasks());
    case Workload::kChessAI:  // fixed positions: the seed does not change them
      return encode_chess_request(paper_chess_request());
    case Workload::kRegression:
      return encode_regression_request(
          make_regression_data(seed, kPaperRows, kPaperCoefficients, kPaperNoiseSd, kPaperBootstrap));
    case Workload::kOcr:
      return ocr_paper_request(seed);
  }
  throw std::invalid_argument("unknown workload");
}

}  // namespace amino::scenarios::offload
