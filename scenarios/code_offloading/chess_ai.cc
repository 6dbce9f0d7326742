#include "scenarios/code_offloading/chess_ai.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include "scenarios/code_offloading/payload.h"

namespace amino::scenarios::offload::chess {

namespace {

constexpr std::uint8_t kCaptureFlag = 1, kEnPassantFlag = 2, kCastleFlag = 4, kDoublePushFlag = 8;
constexpr std::array<int, 8> kKnightSteps = {33, 31, 18, 14, -33, -31, -18, -14};
constexpr std::array<int, 8> kKingSteps = {1, -1, 16, -16, 15, 17, -15, -17};
constexpr std::array<int, 4> kDiagonals = {15, 17, -15, -17};
constexpr std::array<int, 4> kOrthogonals = {1, -1, 16, -16};
constexpr std::array<int, 7> kPieceValue = {0, 100, 320, 330, 500, 900, 0};
constexpr std::array<PieceType, 4> kPromotions = {kQueen, kRook, kBishop, kKnight};

bool on_board(int sq) { return (sq & 0x88) == 0; }
int colour_of(std::int8_t p) { return p > 0 ? kWhite : (p < 0 ? kBlack : 0); }
int type_of(std::int8_t p) { return std::abs(p); }
int rank_of(int sq) { return sq >> 4; }
int file_of(int sq) { return sq & 7; }
int king_slot(int side) { return side == kWhite ? 0 : 1; }
std::int8_t piece(int side, int type) { return static_cast<std::int8_t>(side * type); }

// Castling rights that survive a move from or to `sq` (a king or rook square loses its rights).
std::uint8_t rights_kept(int sq) {
  switch (sq) {
    case 0x00: return 0xF & ~2;
    case 0x07: return 0xF & ~1;
    case 0x04: return 0xF & ~3;
    case 0x70: return 0xF & ~8;
    case 0x77: return 0xF & ~4;
    case 0x74: return 0xF & ~12;
    default: return 0xF;
  }
}

int parse_square(std::string_view s) {
  if (s.size() != 2 || s[0] < 'a' || s[0] > 'h' || s[1] < '1' || s[1] > '8') {
    throw std::invalid_argument("fen: bad square");
  }
  return (s[1] - '1') * 16 + (s[0] - 'a');
}

std::vector<std::string_view> split_fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ') ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

int piece_type_from_char(char c) {
  switch (c | 0x20) {
    case 'p': return kPawn;
    case 'n': return kKnight;
    case 'b': return kBishop;
    case 'r': return kRook;
    case 'q': return kQueen;
    case 'k': return kKing;
    default: throw std::invalid_argument("fen: bad piece letter");
  }
}

// Most valuable victim first, then least valuable attacker; quiet moves last in generation order.
int order_key(const Position& pos, const Move& m) {
  if ((m.flags & kCaptureFlag) == 0) return m.promotion != kNone ? kPieceValue[m.promotion] : -1;
  const int victim = (m.flags & kEnPassantFlag) ? kPawn : type_of(pos.at(m.to));
  return 10 * kPieceValue[victim] - type_of(pos.at(m.from));
}

void order_moves(const Position& pos, std::vector<Move>& moves) {
  std::stable_sort(moves.begin(), moves.end(),
                   [&](const Move& a, const Move& b) { return order_key(pos, a) > order_key(pos, b); });
}

class Searcher {
 public:
  Searcher(Position& pos, OpCounter& ops) : pos_(pos), ops_(ops) {}

  int negamax(int depth, int alpha, int beta, int ply) {
    if (depth == 0) return quiesce(alpha, beta);
    std::vector<Move> moves;
    pos_.legal_moves(moves);
    if (moves.empty()) return pos_.in_check(pos_.side_to_move()) ? -(kMateScore - ply) : 0;
    order_moves(pos_, moves);
    for (const Move& m : moves) {
      const int score = -child(m, [&] { return negamax(depth - 1, -beta, -alpha, ply + 1); });
      if (score >= beta) return beta;
      alpha = std::max(alpha, score);
    }
    return alpha;
  }

  // Captures only, from a "stand pat" static score, so that leaves are not evaluated mid-exchange.
  int quiesce(int alpha, int beta) {
    const int stand = pos_.evaluate();
    if (stand >= beta) return beta;
    alpha = std::max(alpha, stand);
    std::vector<Move> moves;
    pos_.legal_moves(moves);
    std::erase_if(moves, [](const Move& m) { return (m.flags & kCaptureFlag) == 0; });
    order_moves(pos_, moves);
    for (const Move& m : moves) {
      const int score = -child(m, [&] { return quiesce(-beta, -alpha); });
      if (score >= beta) return beta;
      alpha = std::max(alpha, score);
    }
    return alpha;
  }

  template <typename F> int child(const Move& m, F&& f) {
    Undo u;
    pos_.make(m, u);
    ops_.add();
    const int score = f();
    pos_.unmake(m, u);
    return score;
  }

 private:
  Position& pos_;
  OpCounter& ops_;
};

}  // namespace

Position Position::from_fen(std::string_view fen) {
  const std::vector<std::string_view> f = split_fields(fen);
  if (f.size() < 4) throw std::invalid_argument("fen: needs placement, side, castling and en passant fields");
  Position p;
  int rank = 7, file = 0, kings[2] = {0, 0};
  for (char c : f[0]) {
    if (c == '/') {
      if (file != 8 || --rank < 0) throw std::invalid_argument("fen: bad rank layout");
      file = 0;
    } else if (c >= '1' && c <= '8') {
      file += c - '0';
    } else {
      if (file > 7) throw std::invalid_argument("fen: rank too long");
      const int side = (c >= 'A' && c <= 'Z') ? kWhite : kBlack;
      const int type = piece_type_from_char(c);
      p.board_[rank * 16 + file] = piece(side, type);
      if (type == kKing) {
        p.king_[king_slot(side)] = rank * 16 + file;
        ++kings[king_slot(side)];
      }
      ++file;
    }
  }
  if (rank != 0 || file != 8 || kings[0] != 1 || kings[1] != 1) throw std::invalid_argument("fen: bad board");
  if (f[1] != "w" && f[1] != "b") throw std::invalid_argument("fen: side must be w or b");
  p.side_ = f[1] == "w" ? kWhite : kBlack;
  if (f[2] != "-") {
    for (char c : f[2]) {
      const std::size_t bit = std::string_view("KQkq").find(c);
      if (bit == std::string_view::npos) throw std::invalid_argument("fen: bad castling field");
      p.castling_ = static_cast<std::uint8_t>(p.castling_ | (1u << bit));
    }
  }
  p.en_passant_ = f[3] == "-" ? -1 : parse_square(f[3]);
  return p;
}

bool Position::attacked(int sq, int by) const {
  for (int d : {15, 17}) {
    const int from = sq - by * d;
    if (on_board(from) && board_[from] == piece(by, kPawn)) return true;
  }
  for (int d : kKnightSteps) {
    if (on_board(sq + d) && board_[sq + d] == piece(by, kKnight)) return true;
  }
  for (int d : kKingSteps) {
    if (on_board(sq + d) && board_[sq + d] == piece(by, kKing)) return true;
  }
  auto ray_hits = [&](int d, int slider) {
    int t = sq + d;
    while (on_board(t) && board_[t] == 0) t += d;
    return on_board(t) && (board_[t] == piece(by, slider) || board_[t] == piece(by, kQueen));
  };
  for (int d : kDiagonals) {
    if (ray_hits(d, kBishop)) return true;
  }
  for (int d : kOrthogonals) {
    if (ray_hits(d, kRook)) return true;
  }
  return false;
}

bool Position::in_check(int side) const { return attacked(king_[king_slot(side)], -side); }

void Position::pawn_moves(int sq, std::vector<Move>& out) const {
  const int forward = 16 * side_;
  const int start_rank = side_ == kWhite ? 1 : 6, last_rank = side_ == kWhite ? 7 : 0;
  auto add = [&](int to, std::uint8_t flags) {
    if (rank_of(to) != last_rank) {
      out.push_back({static_cast<std::uint8_t>(sq), static_cast<std::uint8_t>(to), kNone, flags});
      return;
    }
    for (PieceType promo : kPromotions) {
      out.push_back({static_cast<std::uint8_t>(sq), static_cast<std::uint8_t>(to), promo, flags});
    }
  };
  const int one = sq + forward;
  if (on_board(one) && board_[one] == 0) {
    add(one, 0);
    if (rank_of(sq) == start_rank && board_[one + forward] == 0) add(one + forward, kDoublePushFlag);
  }
  for (int to : {one - 1, one + 1}) {
    if (!on_board(to)) continue;
    if (colour_of(board_[to]) == -side_) add(to, kCaptureFlag);
    if (to == en_passant_) add(to, kCaptureFlag | kEnPassantFlag);
  }
}

void Position::piece_moves(int sq, std::vector<Move>& out) const {
  auto walk = [&](int d, bool slides) {
    for (int t = sq + d; on_board(t); t += d) {
      if (board_[t] != 0) {
        if (colour_of(board_[t]) == -side_) {
          out.push_back({static_cast<std::uint8_t>(sq), static_cast<std::uint8_t>(t), kNone, kCaptureFlag});
        }
        return;
      }
      out.push_back({static_cast<std::uint8_t>(sq), static_cast<std::uint8_t>(t), kNone, 0});
      if (!slides) return;
    }
  };
  switch (type_of(board_[sq])) {
    case kKnight:
      for (int d : kKnightSteps) walk(d, false);
      break;
    case kKing:
      for (int d : kKingSteps) walk(d, false);
      break;
    case kBishop:
      for (int d : kDiagonals) walk(d, true);
      break;
    case kRook:
      for (int d : kOrthogonals) walk(d, true);
      break;
    case kQueen:
      for (int d : kDiagonals) walk(d, true);
      for (int d : kOrthogonals) walk(d, true);
      break;
    default:
      break;
  }
}

// The king may not castle out of, through or into check; the squares between must be empty.
void Position::castling_moves(std::vector<Move>& out) const {
  const int base = side_ == kWhite ? 0x00 : 0x70;
  const int king_side = side_ == kWhite ? 1 : 4, queen_side = side_ == kWhite ? 2 : 8;
  if (board_[base + 4] != piece(side_, kKing) || in_check(side_)) return;
  auto empty = [&](int sq) { return board_[sq] == 0; };
  auto safe = [&](int sq) { return !attacked(sq, -side_); };
  auto king_to = [&](int to) {
    out.push_back({static_cast<std::uint8_t>(base + 4), static_cast<std::uint8_t>(to), kNone, kCastleFlag});
  };
  if ((castling_ & king_side) && board_[base + 7] == piece(side_, kRook) && empty(base + 5) && empty(base + 6) &&
      safe(base + 5) && safe(base + 6)) {
    king_to(base + 6);
  }
  if ((castling_ & queen_side) && board_[base] == piece(side_, kRook) && empty(base + 1) && empty(base + 2) &&
      empty(base + 3) && safe(base + 3) && safe(base + 2)) {
    king_to(base + 2);
  }
}

void Position::pseudo_moves(std::vector<Move>& out) const {
  for (int sq = 0; sq < 128; ++sq) {
    if (!on_board(sq) || colour_of(board_[sq]) != side_) continue;
    if (type_of(board_[sq]) == kPawn) {
      pawn_moves(sq, out);
    } else {
      piece_moves(sq, out);
    }
  }
  castling_moves(out);
}

void Position::legal_moves(std::vector<Move>& out) {
  out.clear();
  pseudo_moves(out);
  const int mover = side_;
  std::erase_if(out, [&](const Move& m) {
    Undo u;
    make(m, u);
    const bool illegal = attacked(king_[king_slot(mover)], -mover);
    unmake(m, u);
    return illegal;
  });
}

void Position::place_rook_for_castle(const Move& m, bool undo) {
  const bool king_side = m.to > m.from;
  int from = king_side ? m.from + 3 : m.from - 4;
  int to = king_side ? m.from + 1 : m.from - 1;
  if (undo) std::swap(from, to);
  board_[to] = board_[from];
  board_[from] = 0;
}

void Position::make(const Move& m, Undo& u) {
  u = {board_[m.to], castling_, en_passant_};
  const std::int8_t moving = board_[m.from];
  if (m.flags & kEnPassantFlag) {
    const int victim = m.to - 16 * side_;
    u.captured = board_[victim];
    board_[victim] = 0;
  }
  board_[m.to] = m.promotion != kNone ? piece(side_, m.promotion) : moving;
  board_[m.from] = 0;
  if (m.flags & kCastleFlag) place_rook_for_castle(m, false);
  if (type_of(moving) == kKing) king_[king_slot(side_)] = m.to;
  castling_ = static_cast<std::uint8_t>(castling_ & rights_kept(m.from) & rights_kept(m.to));
  en_passant_ = (m.flags & kDoublePushFlag) ? m.from + 16 * side_ : -1;
  side_ = -side_;
}

void Position::unmake(const Move& m, const Undo& u) {
  side_ = -side_;
  const std::int8_t moved = m.promotion != kNone ? piece(side_, kPawn) : board_[m.to];
  board_[m.from] = moved;
  if (m.flags & kEnPassantFlag) {
    board_[m.to] = 0;
    board_[m.to - 16 * side_] = u.captured;
  } else {
    board_[m.to] = u.captured;
  }
  if (m.flags & kCastleFlag) place_rook_for_castle(m, true);
  if (type_of(moved) == kKing) king_[king_slot(side_)] = m.from;
  castling_ = u.castling;
  en_passant_ = u.en_passant;
}

// Material plus two positional terms: minor pieces toward the centre, pawns toward promotion.
int Position::evaluate() const {
  int score = 0;
  for (int sq = 0; sq < 128; ++sq) {
    if (!on_board(sq) || board_[sq] == 0) continue;
    const int side = colour_of(board_[sq]), type = type_of(board_[sq]);
    int value = kPieceValue[type];
    if (type == kKnight || type == kBishop) {
      value += 4 * (std::min(file_of(sq), 7 - file_of(sq)) + std::min(rank_of(sq), 7 - rank_of(sq)));
    } else if (type == kPawn) {
      value += 6 * (side == kWhite ? rank_of(sq) - 1 : 6 - rank_of(sq));
    }
    score += side * value;
  }
  return side_ * score;
}

std::string move_to_uci(const Move& m) {
  std::string s = {static_cast<char>('a' + file_of(m.from)), static_cast<char>('1' + rank_of(m.from)),
                   static_cast<char>('a' + file_of(m.to)), static_cast<char>('1' + rank_of(m.to))};
  if (m.promotion != kNone) s.push_back(" pnbrqk"[m.promotion]);
  return s;
}

std::uint64_t perft(Position& pos, int depth) {
  if (depth == 0) return 1;
  std::vector<Move> moves;
  pos.legal_moves(moves);
  if (depth == 1) return moves.size();
  std::uint64_t leaves = 0;
  for (const Move& m : moves) {
    Undo u;
    pos.make(m, u);
    leaves += perft(pos, depth - 1);
    pos.unmake(m, u);
  }
  return leaves;
}

SearchResult search(Position& pos, int depth, OpCounter& ops) {
  if (depth < 1) throw std::invalid_argument("chess: depth must be at least 1");
  const std::int64_t before = ops.count();
  Searcher s(pos, ops);
  std::vector<Move> moves;
  pos.legal_moves(moves);
  SearchResult r;
  if (moves.empty()) {
    r.score = pos.in_check(pos.side_to_move()) ? -kMateScore : 0;
    return r;
  }
  order_moves(pos, moves);
  int alpha = -kMateScore - 1;
  for (const Move& m : moves) {
    const int score = -s.child(m, [&] { return s.negamax(depth - 1, -(kMateScore + 1), -alpha, 1); });
    if (score > alpha) {
      alpha = score;
      r.best = m;
    }
  }
  r.score = alpha;
  r.nodes = ops.count() - before;
  return r;
}

}  // namespace amino::scenarios::offload::chess

namespace amino::scenarios::offload {

namespace {
constexpr std::uint32_t kMaxPositions = 1000;
constexpr std::int32_t kMaxDepth = 8;
}  // namespace

ChessRequest paper_chess_request() {
  return {3,
          {
              "rnbqkbnr/pppppppp/8/8/8/8/PPPPPPPP/RNBQKBNR w KQkq - 0 1",
              "r1bqkbnr/pppp1ppp/2n5/4p3/2B1P3/5N2/PPPP1PPP/RNBQK2R b KQkq - 3 3",
              "8/2p5/3p4/KP5r/1R3p1k/8/4P1P1/8 w - - 0 1",
          }};
}

ChessResult run_chess(const ChessRequest& req) {
  if (req.depth < 1 || req.depth > kMaxDepth) throw std::invalid_argument("chess: depth out of range");
  OpCounter ops;
  ChessResult r;
  for (const std::string& fen : req.fens) {
    chess::Position pos = chess::Position::from_fen(fen);
    const chess::SearchResult s = chess::search(pos, req.depth, ops);
    r.best_moves.push_back(s.nodes > 0 ? chess::move_to_uci(s.best) : std::string());
    r.scores.push_back(s.score);
  }
  r.counted_ops = ops.count();
  return r;
}

std::string encode_chess_request(const ChessRequest& req) {
  ByteWriter w;
  w.i32(req.depth).u32(static_cast<std::uint32_t>(req.fens.size()));
  for (const std::string& f : req.fens) w.str(f);
  return w.take();
}

ChessRequest decode_chess_request(std::string_view bytes) {
  ByteReader r(bytes);
  ChessRequest req;
  req.depth = r.i32();
  req.fens.resize(r.count(kMaxPositions, "positions"));
  for (std::string& f : req.fens) f = r.str();
  r.expect_end();
  return req;
}

std::string encode_chess_result(const ChessResult& res) {
  ByteWriter w;
  w.i64(res.counted_ops).u32(static_cast<std::uint32_t>(res.best_moves.size()));
  for (std::size_t i = 0; i < res.best_moves.size(); ++i) w.str(res.best_moves[i]).i32(res.scores[i]);
  return w.take();
}

ChessResult decode_chess_result(std::string_view bytes) {
  ByteReader r(bytes);
  ChessResult res;
  res.counted_ops = r.i64();
  const std::uint32_t n = r.count(kMaxPositions, "moves");
  for (std::uint32_t i = 0; i < n; ++i) {
    res.best_moves.push_back(r.str());
    res.scores.push_back(r.i32());
  }
  r.expect_end();
  return res;
}

}  // namespace amino::scenarios::offload
