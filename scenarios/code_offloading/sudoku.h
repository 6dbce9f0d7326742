// Sudoku workload: constraint propagation (eliminate a candidate from peers when a cell is decided;
// place a digit that has one possible cell left in a unit) plus depth-first search on the cell with
// the fewest candidates, in the manner of Norvig's solver, over a fixed set of hard puzzles.
// One counted operation = one candidate elimination attempt (the unit of propagation work).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/rng.h"
#include "scenarios/code_offloading/workloads.h"

namespace amino::scenarios::offload {

// A puzzle or solution: 81 characters, row by row; '1'..'9' given, '0' or '.' blank.
using SudokuGrid = std::string;

struct SudokuResult {
  std::vector<std::optional<SudokuGrid>> solutions;  // nullopt: the puzzle has no solution
  std::vector<std::int64_t> search_nodes;            // per puzzle: guesses tried
  std::int64_t counted_ops = 0;
};

// The fixed set: eight published puzzles (Norvig's examples and "hardest" list, Inkala's).
const std::vector<SudokuGrid>& sudoku_puzzle_set();
// An equivalent puzzle (same difficulty class): digits relabelled, rows permuted within bands,
// bands permuted, optionally transposed. Validity and uniqueness are preserved.
SudokuGrid shuffle_sudoku(const SudokuGrid& puzzle, Rng& rng);

std::optional<SudokuGrid> solve_sudoku(std::string_view puzzle, OpCounter& ops, std::int64_t* search_nodes = nullptr);
SudokuResult solve_sudokus(const std::vector<SudokuGrid>& puzzles);
// True when `solution` is a complete valid grid that keeps every given of `puzzle`.
bool is_valid_sudoku_solution(std::string_view puzzle, std::string_view solution);

std::string encode_sudoku_request(const std::vector<SudokuGrid>& puzzles);
std::vector<SudokuGrid> decode_sudoku_request(std::string_view bytes);
std::string encode_sudoku_result(const SudokuResult& r);
SudokuResult decode_sudoku_result(std::string_view bytes);

}  // namespace amino::scenarios::offload
