#include "runtime/migration_staging.h"

#include "runtime/snapshot_delta.h"

namespace amino {

std::size_t MigrationStaging::bytes() const {
  std::size_t n = 0;
  for (const auto& [mid, e] : staged_) n += e.state.size() + static_cast<std::size_t>(e.incoming_total);
  return n;
}

Time MigrationStaging::touched(const std::string& mid) const {
  auto it = staged_.find(mid);
  return it == staged_.end() ? 0 : it->second.touched;
}

Status MigrationStaging::fail(const std::string& mid, Code code, const std::string& why) {
  staged_.erase(mid);
  return Status{code, "migration " + mid + ": " + why, {}};
}

Status MigrationStaging::receive(const StageChunk& c, Time now) {
  if (c.mid.empty()) return Status{Code::kBadArguments, "stage: no migration id", {}};
  if (c.round < 0 || c.offset < 0 || c.total < static_cast<std::int64_t>(delta::kHeaderBytes) || c.offset > c.total ||
      static_cast<std::int64_t>(c.data.size()) > c.total - c.offset) {
    return fail(c.mid, Code::kBadArguments, "chunk out of range");
  }
  auto it = staged_.find(c.mid);
  if (it == staged_.end()) {
    if (c.round != 0 || c.offset != 0) return Status{Code::kBadArguments, "stage: unknown migration " + c.mid, {}};
    if (staged_.size() >= limits_.max_migrations) {
      return Status{Code::kOverloaded, "stage: " + std::to_string(staged_.size()) + " migrations staged already", {}};
    }
    it = staged_.emplace(c.mid, Entry{c.oid, c.from, 0, {}, {}, 0, now}).first;
  }
  Entry& e = it->second;
  if (e.oid != c.oid || e.from != c.from) return fail(c.mid, Code::kBadArguments, "chunk for another object or from another sender");
  if (c.round != e.rounds) return fail(c.mid, Code::kBadArguments, "round " + std::to_string(c.round) + " while expecting " + std::to_string(e.rounds));
  if (c.offset == 0) {
    // A new round's delta: reserve its announced size against the limit before taking any byte.
    e.incoming.clear();
    e.incoming_total = 0;
    if (bytes() + static_cast<std::size_t>(c.total) > limits_.max_bytes) {
      return fail(c.mid, Code::kOverloaded, "staging would exceed " + std::to_string(limits_.max_bytes) + " bytes");
    }
    e.incoming_total = c.total;
  } else if (c.total != e.incoming_total || static_cast<std::size_t>(c.offset) != e.incoming.size()) {
    return fail(c.mid, Code::kBadArguments, "chunk out of order");
  }
  e.incoming.append(c.data);
  e.touched = now;
  if (static_cast<std::int64_t>(e.incoming.size()) < e.incoming_total) return {};
  try {
    // The result may use what the delta's reservation frees, and no more.
    const std::size_t others = bytes() - e.state.size() - static_cast<std::size_t>(e.incoming_total);
    const std::size_t room = limits_.max_bytes > others ? limits_.max_bytes - others : 0;
    if (delta::result_bytes(e.incoming) > room) {
      return fail(c.mid, Code::kOverloaded, "staged state would exceed " + std::to_string(limits_.max_bytes) + " bytes");
    }
    e.state = delta::apply(e.state, e.incoming, room);
  } catch (const delta::DeltaError& err) {
    return fail(c.mid, Code::kBadFrame, err.what());
  }
  e.incoming.clear();
  e.incoming.shrink_to_fit();
  e.incoming_total = 0;
  ++e.rounds;
  return {};
}

std::optional<std::string> MigrationStaging::take(const std::string& mid, std::uint64_t oid, std::string* why) {
  auto it = staged_.find(mid);
  if (it == staged_.end()) {
    *why = "no staged state for migration " + mid;
    return std::nullopt;
  }
  if (it->second.oid != oid || it->second.rounds == 0 || it->second.incoming_total != 0) {
    *why = "migration " + mid + " is incomplete or for another object";
    staged_.erase(it);
    return std::nullopt;
  }
  std::string out = std::move(it->second.state);
  staged_.erase(it);
  return out;
}

bool MigrationStaging::discard(const std::string& mid) { return staged_.erase(mid) != 0; }

std::vector<std::string> MigrationStaging::expire(Time now) {
  std::vector<std::string> gone;
  for (auto it = staged_.begin(); it != staged_.end();) {
    if (now - it->second.touched >= limits_.ttl) {
      gone.push_back(it->first);
      it = staged_.erase(it);
    } else {
      ++it;
    }
  }
  return gone;
}

}  // namespace amino
