// ChessAI workload: fixed-depth negamax alpha-beta search with a capture-only quiescence search,
// over a complete legal move generator (0x88 board: castling, en passant, promotions; legality by
// make/unmake and an attack test, verified against published perft counts in the tests).
// One counted operation = one search node (a move made during search or quiescence).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scenarios/code_offloading/workloads.h"

namespace amino::scenarios::offload::chess {

enum PieceType : std::int8_t { kNone = 0, kPawn = 1, kKnight, kBishop, kRook, kQueen, kKing };
// Colours are signs: a square holds +type for a white piece, -type for a black one.
inline constexpr int kWhite = 1;
inline constexpr int kBlack = -1;

struct Move {
  std::uint8_t from = 0, to = 0;  // 0x88 squares: rank * 16 + file
  std::int8_t promotion = kNone;  // piece type promoted to
  std::uint8_t flags = 0;
  bool operator==(const Move&) const = default;
};

struct Undo {
  std::int8_t captured = 0;
  std::uint8_t castling = 0;
  int en_passant = -1;
};

class Position {
 public:
  // Throws std::invalid_argument on a malformed FEN.
  static Position from_fen(std::string_view fen);

  int side_to_move() const { return side_; }
  bool in_check(int side) const;
  // All legal moves, in a fixed order (board scan order), so that searches are deterministic.
  void legal_moves(std::vector<Move>& out);
  void make(const Move& m, Undo& u);
  void unmake(const Move& m, const Undo& u);
  // Static evaluation in centipawns from the side to move's point of view.
  int evaluate() const;
  std::int8_t at(int square) const { return board_[square]; }

 private:
  void pseudo_moves(std::vector<Move>& out) const;
  void pawn_moves(int sq, std::vector<Move>& out) const;
  void piece_moves(int sq, std::vector<Move>& out) const;
  void castling_moves(std::vector<Move>& out) const;
  bool attacked(int sq, int by) const;
  void place_rook_for_castle(const Move& m, bool undo);

  std::array<std::int8_t, 128> board_{};
  int side_ = kWhite;
  std::uint8_t castling_ = 0;  // 1 white O-O, 2 white O-O-O, 4 black O-O, 8 black O-O-O
  int en_passant_ = -1;        // square passed over by the last double pawn push
  std::array<int, 2> king_{};  // [white, black]
};

std::string move_to_uci(const Move& m);
// Leaf count of the legal move tree to `depth` (the standard move generator check).
std::uint64_t perft(Position& pos, int depth);

inline constexpr int kMateScore = 100000;

struct SearchResult {
  Move best;
  int score = 0;  // kMateScore - n: mate in n plies for the side to move
  std::int64_t nodes = 0;
};
// Searches `depth` plies; every node visited is added to `ops`.
SearchResult search(Position& pos, int depth, OpCounter& ops);

}  // namespace amino::scenarios::offload::chess

namespace amino::scenarios::offload {

struct ChessRequest {
  std::int32_t depth = 0;
  std::vector<std::string> fens;
};

struct ChessResult {
  std::vector<std::string> best_moves;  // UCI, e.g. "e2e4"; empty when the side to move has none
  std::vector<std::int32_t> scores;
  std::int64_t counted_ops = 0;
};

// The paper's size: three positions (opening, middlegame, endgame) searched 3 plies deep.
ChessRequest paper_chess_request();
ChessResult run_chess(const ChessRequest& req);

std::string encode_chess_request(const ChessRequest& req);
ChessRequest decode_chess_request(std::string_view bytes);
std::string encode_chess_result(const ChessResult& r);
ChessResult decode_chess_result(std::string_view bytes);

}  // namespace amino::scenarios::offload
