// The multiplayer game of the paper's evaluation, split into three microservices as Sapphire's was:
// the Board (shared state players read and write), the Scores, and the GameLogic that validates a
// move, applies it to the board and credits the score. Players read the board (a read-only call)
// and make moves (a mutating call through GameLogic). Deployments differ only in their DM specs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "runtime/microservice.h"
#include "runtime/stub.h"

namespace amino::scenarios::game {

// A square grid; each cell is empty ("") or owned by a player. Claiming a cell next to cells you
// already own scores more, so the board is real game state, not a counter.
class Board : public MicroService {
 public:
  Board() = default;
  explicit Board(std::int64_t size) : size_(size), cells_(static_cast<std::size_t>(size * size)) {}

  // The whole board, row-major, plus its version (the number of moves applied).
  ValueMap read() const;
  // Claims (x, y) for `player`; returns the points earned, or throws std::invalid_argument for an
  // illegal move (off the board, or the cell is taken).
  std::int64_t claim(std::int64_t x, std::int64_t y, const std::string& player);
  std::int64_t version() const { return version_; }
  std::int64_t free_cells() const;

  static void describe(ClassBuilder<Board>& c);

 private:
  bool owned_by(std::int64_t x, std::int64_t y, const std::string& player) const;
  std::int64_t size_ = 8;
  std::vector<std::string> cells_ = std::vector<std::string>(64);
  std::int64_t version_ = 0;
};

class Scores : public MicroService {
 public:
  std::int64_t add(const std::string& player, std::int64_t points);
  std::int64_t get(const std::string& player) const;
  std::map<std::string, std::int64_t> all() const { return scores_; }
  static void describe(ClassBuilder<Scores>& c);

 private:
  std::map<std::string, std::int64_t> scores_;
};

// Validates and applies moves: one call per move, which calls the Board and the Scores.
class GameLogic : public MicroService {
 public:
  void setup(const std::string& board, const std::string& scores);
  // Returns the player's new score.
  std::int64_t move(const std::string& player, std::int64_t x, std::int64_t y);
  static void describe(ClassBuilder<GameLogic>& c);

 private:
  std::string board_;
  std::string scores_;
};

}  // namespace amino::scenarios::game
