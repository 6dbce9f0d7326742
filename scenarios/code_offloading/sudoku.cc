#include "scenarios/code_offloading/sudoku.h"

#include <algorithm>
#include <array>
#include <bit>
#include <numeric>
#include <stdexcept>

#include "scenarios/code_offloading/payload.h"

namespace amino::scenarios::offload {

namespace {

constexpr int kCells = 81;
constexpr std::uint32_t kMaxPuzzles = 1000;
constexpr std::uint16_t kAllDigits = 0x3FE;  // bits 1..9

// Candidate digits per cell as a bit set (bit d = digit d still possible).
using Candidates = std::array<std::uint16_t, kCells>;

// Rows, columns and boxes; for each cell the three units holding it and its 20 peers.
struct Topology {
  std::array<std::array<int, 9>, 27> units{};
  std::array<std::array<int, 3>, kCells> units_of{};
  std::array<std::array<int, 20>, kCells> peers{};

  Topology() {
    for (int i = 0; i < 9; ++i) {
      for (int j = 0; j < 9; ++j) {
        units[i][j] = i * 9 + j;                                      // row i
        units[9 + i][j] = j * 9 + i;                                  // column i
        units[18 + i][j] = (i / 3 * 3 + j / 3) * 9 + i % 3 * 3 + j % 3;  // box i
      }
    }
    for (int c = 0; c < kCells; ++c) {
      units_of[c] = {c / 9, 9 + c % 9, 18 + c / 27 * 3 + c % 9 / 3};
      int n = 0;
      for (int other = 0; other < kCells; ++other) {
        const bool same_row = other / 9 == c / 9, same_col = other % 9 == c % 9;
        const bool same_box = other / 27 == c / 27 && other % 9 / 3 == c % 9 / 3;
        if (other != c && (same_row || same_col || same_box)) peers[c][n++] = other;
      }
    }
  }
};

const Topology& topology() {
  static const Topology t;
  return t;
}

int only_digit(std::uint16_t bits) { return std::countr_zero(bits); }

bool assign(Candidates& g, int cell, int digit, OpCounter& ops);

// Removes `digit` from `cell` and propagates: a cell left with one candidate removes it from its
// peers; a unit left with one place for `digit` gets it there. False on a contradiction.
bool eliminate(Candidates& g, int cell, int digit, OpCounter& ops) {
  ops.add();
  const auto bit = static_cast<std::uint16_t>(1u << digit);
  if ((g[cell] & bit) == 0) return true;
  g[cell] = static_cast<std::uint16_t>(g[cell] & ~bit);
  if (g[cell] == 0) return false;
  const Topology& t = topology();
  if (std::popcount(g[cell]) == 1) {
    const int d = only_digit(g[cell]);
    for (int p : t.peers[cell]) {
      if (!eliminate(g, p, d, ops)) return false;
    }
  }
  for (int u : t.units_of[cell]) {
    int places = 0, place = -1;
    for (int c : t.units[u]) {
      if (g[c] & bit) {
        ++places;
        place = c;
      }
    }
    if (places == 0) return false;
    if (places == 1 && g[place] != bit && !assign(g, place, digit, ops)) return false;
  }
  return true;
}

bool assign(Candidates& g, int cell, int digit, OpCounter& ops) {
  const auto others = static_cast<std::uint16_t>(g[cell] & ~(1u << digit));
  for (int d = 1; d <= 9; ++d) {
    if ((others & (1u << d)) && !eliminate(g, cell, d, ops)) return false;
  }
  return true;
}

// Depth-first search, branching on the undecided cell with the fewest candidates.
std::optional<Candidates> search(const Candidates& g, OpCounter& ops, std::int64_t& nodes) {
  int best = -1;
  for (int c = 0; c < kCells; ++c) {
    const int n = std::popcount(g[c]);
    if (n > 1 && (best < 0 || n < std::popcount(g[best]))) best = c;
  }
  if (best < 0) return g;
  for (int d = 1; d <= 9; ++d) {
    if ((g[best] & (1u << d)) == 0) continue;
    ++nodes;
    Candidates next = g;
    if (!assign(next, best, d, ops)) continue;
    if (auto solved = search(next, ops, nodes)) return solved;
  }
  return std::nullopt;
}

void check_grid_text(std::string_view s) {
  if (s.size() != kCells) throw std::invalid_argument("sudoku: a grid has 81 cells");
  for (char ch : s) {
    if (ch != '.' && (ch < '0' || ch > '9')) throw std::invalid_argument("sudoku: bad cell character");
  }
}

std::array<int, 9> random_permutation9(Rng& rng) {
  std::array<int, 9> p;
  std::iota(p.begin(), p.end(), 0);
  for (int i = 8; i > 0; --i) std::swap(p[i], p[rng.uniform_int(0, i)]);
  return p;
}

// A permutation of 0..8 that keeps rows (or columns) inside their band of three.
std::array<int, 9> band_preserving_permutation(Rng& rng) {
  std::array<int, 3> bands{0, 1, 2};
  for (int i = 2; i > 0; --i) std::swap(bands[i], bands[rng.uniform_int(0, i)]);
  std::array<int, 9> p;
  for (int b = 0; b < 3; ++b) {
    std::array<int, 3> within{0, 1, 2};
    for (int i = 2; i > 0; --i) std::swap(within[i], within[rng.uniform_int(0, i)]);
    for (int k = 0; k < 3; ++k) p[b * 3 + k] = bands[b] * 3 + within[k];
  }
  return p;
}

}  // namespace

const std::vector<SudokuGrid>& sudoku_puzzle_set() {
  static const std::vector<SudokuGrid> set = {
      "003020600900305001001806400008102900700000008006708200002609500800203009005010300",
      "4.....8.5.3..........7......2.....6.....8.4......1.......6.3.7.5..2.....1.4......",
      "52...6.........7.13...........4..8..6......5...........418.........3..2...87.....",
      "6.....8.3.4.7.................5.4.7.3..2.....1.6.......2.....5.....8.6......1....",
      "48.3............71.2.......7.5....6....2..8.............1.76...3.....4......5....",
      "8..........36......7..9.2...5...7.......457.....1...3...1....68..85...1..9....4..",
      "..53.....8......2..7..1.5..4....53...1..7...6..32...8..6.5....9..4....3......97..",
      "85...24..72......9..4.........1.7..23.5...9...4...........8..7..17..........36.4.",
  };
  return set;
}

SudokuGrid shuffle_sudoku(const SudokuGrid& puzzle, Rng& rng) {
  check_grid_text(puzzle);
  const std::array<int, 9> digits = random_permutation9(rng);
  const std::array<int, 9> rows = band_preserving_permutation(rng);
  const std::array<int, 9> cols = band_preserving_permutation(rng);
  const bool transpose = rng.chance(0.5);
  SudokuGrid out(kCells, '.');
  for (int r = 0; r < 9; ++r) {
    for (int c = 0; c < 9; ++c) {
      const char ch = puzzle[rows[r] * 9 + cols[c]];
      const int at = transpose ? c * 9 + r : r * 9 + c;
      out[at] = (ch >= '1' && ch <= '9') ? static_cast<char>('1' + digits[ch - '1']) : '.';
    }
  }
  return out;
}

std::optional<SudokuGrid> solve_sudoku(std::string_view puzzle, OpCounter& ops, std::int64_t* search_nodes) {
  check_grid_text(puzzle);
  Candidates g;
  g.fill(kAllDigits);
  std::int64_t nodes = 0;
  bool consistent = true;
  for (int c = 0; c < kCells && consistent; ++c) {
    if (puzzle[c] >= '1' && puzzle[c] <= '9') consistent = assign(g, c, puzzle[c] - '0', ops);
  }
  std::optional<Candidates> solved = consistent ? search(g, ops, nodes) : std::nullopt;
  if (search_nodes != nullptr) *search_nodes = nodes;
  if (!solved) return std::nullopt;
  SudokuGrid out(kCells, '0');
  for (int c = 0; c < kCells; ++c) out[c] = static_cast<char>('0' + only_digit((*solved)[c]));
  return out;
}

SudokuResult solve_sudokus(const std::vector<SudokuGrid>& puzzles) {
  OpCounter ops;
  SudokuResult r;
  for (const SudokuGrid& p : puzzles) {
    std::int64_t nodes = 0;
    r.solutions.push_back(solve_sudoku(p, ops, &nodes));
    r.search_nodes.push_back(nodes);
  }
  r.counted_ops = ops.count();
  return r;
}

bool is_valid_sudoku_solution(std::string_view puzzle, std::string_view solution) {
  if (puzzle.size() != kCells || solution.size() != kCells) return false;
  for (int c = 0; c < kCells; ++c) {
    if (solution[c] < '1' || solution[c] > '9') return false;
    if (puzzle[c] >= '1' && puzzle[c] <= '9' && puzzle[c] != solution[c]) return false;
  }
  for (const auto& unit : topology().units) {
    std::uint16_t seen = 0;
    for (int c : unit) seen = static_cast<std::uint16_t>(seen | (1u << (solution[c] - '0')));
    if (seen != kAllDigits) return false;
  }
  return true;
}

std::string encode_sudoku_request(const std::vector<SudokuGrid>& puzzles) {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(puzzles.size()));
  for (const SudokuGrid& p : puzzles) {
    check_grid_text(p);
    w.raw(p);
  }
  return w.take();
}

std::vector<SudokuGrid> decode_sudoku_request(std::string_view bytes) {
  ByteReader r(bytes);
  std::vector<SudokuGrid> puzzles(r.count(kMaxPuzzles, "puzzles"));
  for (SudokuGrid& p : puzzles) p = SudokuGrid(r.raw(kCells));
  r.expect_end();
  return puzzles;
}

// A solution ships as its 81 digits; an unsolvable puzzle as 81 zeros.
std::string encode_sudoku_result(const SudokuResult& res) {
  ByteWriter w;
  w.i64(res.counted_ops).u32(static_cast<std::uint32_t>(res.solutions.size()));
  for (std::size_t i = 0; i < res.solutions.size(); ++i) {
    w.raw(res.solutions[i] ? *res.solutions[i] : SudokuGrid(kCells, '0'));
    w.i64(res.search_nodes[i]);
  }
  return w.take();
}

SudokuResult decode_sudoku_result(std::string_view bytes) {
  ByteReader r(bytes);
  SudokuResult res;
  res.counted_ops = r.i64();
  const std::uint32_t n = r.count(kMaxPuzzles, "solutions");
  for (std::uint32_t i = 0; i < n; ++i) {
    SudokuGrid s(r.raw(kCells));
    res.solutions.push_back(s == SudokuGrid(kCells, '0') ? std::nullopt : std::optional<SudokuGrid>(s));
    res.search_nodes.push_back(r.i64());
  }
  r.expect_end();
  return res;
}

}  // namespace amino::scenarios::offload
