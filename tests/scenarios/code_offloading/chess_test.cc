// The chess move generator against published perft counts, and the search on tactical positions.
#include <gtest/gtest.h>

#include "scenarios/code_offloading/chess_ai.h"

namespace amino::scenarios::offload {
namespace {

using chess::Position;

std::uint64_t perft_of(const char* fen, int depth) {
  Position p = Position::from_fen(fen);
  return chess::perft(p, depth);
}

// Counts from the Chess Programming Wiki "Perft Results" page: they exercise castling (through and
// out of check), en passant (including the pinned case), promotions and under-promotions.
TEST(ChessMoveGenerator, MatchesPublishedPerftCounts) {
  EXPECT_EQ(perft_of("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1", 3), 8902u);
  EXPECT_EQ(perft_of("r3k2r/p1ppqpb1/bn2pnp1/3PN3/1p2P3/2N2Q1p/PPPBBPPP/R3K2R w KQkq - 0 1", 3), 97862u);
  EXPECT_EQ(perft_of("8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1", 4), 43238u);
  EXPECT_EQ(perft_of("r3k2r/Pppp1ppp/1b3nbN/nP6/BBP1P3/q4N2/Pp1P2PP/R2Q1RK1 w kq - 0 1", 3), 9467u);
  EXPECT_EQ(perft_of("rnbq1k1r/pp1Pbppp/2p5/8/2B5/8/PPP1NnPP/RNBQK2R w KQ - 1 8", 3), 62379u);
}

TEST(ChessMoveGenerator, MakeUnmakeRestoresThePosition) {
  Position p = Position::from_fen("r3k2r/Pppp1ppp/1b3nbN/nP6/BBP1P3/q4N2/Pp1P2PP/R2Q1RK1 w kq - 0 1");
  std::vector<chess::Move> before, after;
  p.legal_moves(before);
  for (const chess::Move& m : before) {
    chess::Undo u;
    p.make(m, u);
    p.unmake(m, u);
  }
  p.legal_moves(after);
  EXPECT_EQ(before, after);
}

struct Best {
  std::string move;
  int score;
};

Best best_move(const char* fen, int depth) {
  const ChessResult r = run_chess({depth, {fen}});
  return {r.best_moves.at(0), r.scores.at(0)};
}

TEST(ChessSearch, FindsMateInOne) {
  const Best back_rank = best_move("6k1/5ppp/8/8/8/8/8/R5K1 w - - 0 1", 3);
  EXPECT_EQ(back_rank.move, "a1a8");
  EXPECT_EQ(back_rank.score, chess::kMateScore - 1);
  EXPECT_EQ(best_move("r1bqkb1r/pppp1ppp/2n2n2/4p2Q/2B1P3/8/PPPP1PPP/RNB1K1NR w KQkq - 4 4", 3).move, "h5f7");
  EXPECT_EQ(best_move("1r4k1/8/8/8/8/8/5PPP/6K1 b - - 0 1", 2).move, "b8b1");
}

TEST(ChessSearch, WinsFreeMaterialAndKnowsTerminalPositions) {
  EXPECT_EQ(best_move("4k3/8/8/3q4/8/8/8/3RK3 w - - 0 1", 2).move, "d1d5");
  const Best mated = best_move("R5k1/5ppp/8/8/8/8/8/6K1 b - - 0 1", 2);
  EXPECT_EQ(mated.move, "");
  EXPECT_EQ(mated.score, -chess::kMateScore);
  const Best stalemate = best_move("7k/5Q2/6K1/8/8/8/8/8 b - - 0 1", 2);
  EXPECT_EQ(stalemate.move, "");
  EXPECT_EQ(stalemate.score, 0);
}

TEST(ChessSearch, NodeCountIsDeterministic) {
  const ChessRequest req = paper_chess_request();
  EXPECT_EQ(run_chess(req).counted_ops, run_chess(req).counted_ops);
  EXPECT_LT(run_chess({2, req.fens}).counted_ops, run_chess(req).counted_ops);
}

TEST(ChessSearch, MalformedFensAreRejected) {
  EXPECT_THROW(Position::from_fen("8/8/8/8/8/8/8/8 w - -"), std::invalid_argument);  // no kings
  EXPECT_THROW(Position::from_fen("rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR x KQkq -"), std::invalid_argument);
  EXPECT_THROW(Position::from_fen("rnbqkbnr/ppppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq -"), std::invalid_argument);
  EXPECT_THROW(run_chess({0, {"6k1/8/8/8/8/8/8/6K1 w - - 0 1"}}), std::invalid_argument);
}

}  // namespace
}  // namespace amino::scenarios::offload
