#include "scenarios/multiplayer_game/game.h"

#include <stdexcept>

namespace amino::scenarios::game {

ValueMap Board::read() const {
  ValueList cells(cells_.begin(), cells_.end());
  return ValueMap{{"size", size_}, {"version", version_}, {"cells", std::move(cells)}};
}

bool Board::owned_by(std::int64_t x, std::int64_t y, const std::string& player) const {
  if (x < 0 || y < 0 || x >= size_ || y >= size_) return false;
  return cells_[static_cast<std::size_t>(y * size_ + x)] == player;
}

std::int64_t Board::claim(std::int64_t x, std::int64_t y, const std::string& player) {
  if (player.empty()) throw std::invalid_argument("a move needs a player");
  if (x < 0 || y < 0 || x >= size_ || y >= size_) throw std::invalid_argument("off the board");
  std::string& cell = cells_[static_cast<std::size_t>(y * size_ + x)];
  if (!cell.empty()) throw std::invalid_argument("cell taken by " + cell);
  cell = player;
  ++version_;
  std::int64_t points = 1;
  for (auto [dx, dy] : {std::pair{1, 0}, {-1, 0}, {0, 1}, {0, -1}}) {
    if (owned_by(x + dx, y + dy, player)) ++points;
  }
  return points;
}

std::int64_t Board::free_cells() const {
  std::int64_t n = 0;
  for (const auto& c : cells_) n += c.empty() ? 1 : 0;
  return n;
}

void Board::describe(ClassBuilder<Board>& c) {
  c.constructor<std::int64_t>()
      .reads("read", &Board::read)
      .reads("version", &Board::version)
      .reads("free_cells", &Board::free_cells)
      .writes("claim", &Board::claim)
      .field("size", &Board::size_)
      .field("cells", &Board::cells_)
      .field("version", &Board::version_);
}

std::int64_t Scores::add(const std::string& player, std::int64_t points) { return scores_[player] += points; }

std::int64_t Scores::get(const std::string& player) const {
  auto it = scores_.find(player);
  return it == scores_.end() ? 0 : it->second;
}

void Scores::describe(ClassBuilder<Scores>& c) {
  c.writes("add", &Scores::add).reads("get", &Scores::get).reads("all", &Scores::all).field("scores", &Scores::scores_);
}

void GameLogic::setup(const std::string& board, const std::string& scores) {
  board_ = board;
  scores_ = scores;
}

std::int64_t GameLogic::move(const std::string& player, std::int64_t x, std::int64_t y) {
  if (board_.empty()) throw std::logic_error("setup() was not called");
  const auto points = runtime().stub(board_).call<std::int64_t>("claim", x, y, player);
  return runtime().stub(scores_).call<std::int64_t>("add", player, points);
}

void GameLogic::describe(ClassBuilder<GameLogic>& c) {
  c.writes("setup", &GameLogic::setup)
      .writes("move", &GameLogic::move)
      .field("board", &GameLogic::board_)
      .field("scores", &GameLogic::scores_);
}

}  // namespace amino::scenarios::game
