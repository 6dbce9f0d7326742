#include "testbed/check/history.h"

#include <algorithm>
#include <utility>

namespace amino::check {

const char* to_string(EventType t) {
  switch (t) {
    case EventType::kInvoke: return "invoke";
    case EventType::kOk: return "ok";
    case EventType::kFail: return "fail";
    case EventType::kInfo: return "info";
  }
  return "?";
}

std::optional<EventType> event_type_from(std::string_view name) {
  for (EventType t : {EventType::kInvoke, EventType::kOk, EventType::kFail, EventType::kInfo}) {
    if (name == to_string(t)) return t;
  }
  return std::nullopt;
}

std::string Operation::to_string() const {
  std::string s = "#" + std::to_string(id) + " process " + std::to_string(process) + " " + f;
  if (!key.empty()) s += " key " + key;
  if (!input.is_null()) s += " " + input.dump();
  switch (outcome) {
    case Outcome::kOk: s += " -> ok"; if (!output.is_null()) s += " " + output.dump(); break;
    case Outcome::kFail: s += " -> fail"; break;
    case Outcome::kInfo: s += completion < 0 ? " -> (never completed)" : " -> info (unknown)"; break;
  }
  s += " [" + std::to_string(call) + ", " + (ret == kNever ? std::string("inf") : std::to_string(ret)) + "]";
  return s;
}

History::History(std::vector<Event> events, const std::vector<std::size_t>& lines) {
  events_.reserve(events.size());
  timed_ = !events.empty() && events.front().time.has_value();
  for (std::size_t i = 0; i < events.size(); ++i) add(std::move(events[i]), i < lines.size() ? lines[i] : i + 1);
}

void History::add(Event e, std::size_t line) {
  if (e.time.has_value() != timed_) {
    throw HistoryError(line, timed_ ? "no \"time\", but earlier events have one (all or none must)"
                                    : "has a \"time\", but earlier events have none (all or none must)");
  }
  const std::int64_t at = timed_ ? *e.time : static_cast<std::int64_t>(events_.size());
  if (at < 0 || at == kNever) throw HistoryError(line, "time " + std::to_string(at) + " is out of range");
  const int index = static_cast<int>(events_.size());
  auto open = open_.find(e.process);
  if (e.type == EventType::kInvoke) {
    if (open != open_.end()) {
      throw HistoryError(line, "process " + std::to_string(e.process) + " invokes " + e.f +
                                   " while its invoke of line " +
                                   std::to_string(lines_[static_cast<std::size_t>(ops_[static_cast<std::size_t>(open->second)].id)]) +
                                   " has not completed");
    }
    Operation op;
    op.id = index;
    op.process = e.process;
    op.f = e.f;
    op.key = e.key ? e.key->dump() : std::string();
    op.input = e.value;
    op.call = at;
    open_.emplace(e.process, static_cast<int>(ops_.size()));
    ops_.push_back(std::move(op));
  } else {
    if (open == open_.end()) {
      throw HistoryError(line, std::string(check::to_string(e.type)) + " of process " + std::to_string(e.process) +
                                   " completes no operation (no invoke of that process is outstanding)");
    }
    Operation& op = ops_[static_cast<std::size_t>(open->second)];
    if (e.f != op.f) {
      throw HistoryError(line, "completion f \"" + e.f + "\" differs from its invoke's \"" + op.f + "\" (line " +
                                   std::to_string(lines_[static_cast<std::size_t>(op.id)]) + ")");
    }
    if (at < op.call) {
      throw HistoryError(line, "completes at " + std::to_string(at) + ", before its invoke at " + std::to_string(op.call));
    }
    op.completion = index;
    if (e.type == EventType::kOk) {
      op.outcome = Outcome::kOk;
      op.output = e.value;
      op.ret = at;
    } else if (e.type == EventType::kFail) {
      op.outcome = Outcome::kFail;
      op.ret = at;
    }  // info: stays kInfo with ret kNever
    open_.erase(open);
  }
  events_.push_back(std::move(e));
  lines_.push_back(line);
}

int History::invoke(std::int64_t process, std::string f, std::optional<Json> key, Json value, std::int64_t time,
                    Json extra) {
  if (events_.empty()) timed_ = true;
  Event e;
  e.process = process;
  e.f = std::move(f);
  e.key = std::move(key);
  e.value = std::move(value);
  e.time = time;
  e.extra = std::move(extra);
  add(std::move(e), events_.size() + 1);
  return static_cast<int>(ops_.size()) - 1;
}

void History::complete(int op, EventType type, Json value, std::int64_t time, Json extra) {
  const Operation& o = ops_.at(static_cast<std::size_t>(op));
  if (type == EventType::kInvoke) throw std::invalid_argument("History::complete takes ok, fail or info");
  Event e;
  e.process = o.process;
  e.type = type;
  e.f = o.f;
  if (!o.key.empty()) e.key = events_[static_cast<std::size_t>(o.id)].key;
  e.value = std::move(value);
  e.time = time;
  e.extra = std::move(extra);
  add(std::move(e), events_.size() + 1);
}

const Operation* History::operation(int id) const {
  // Ids are invoke positions, so they increase along ops_.
  auto it = std::lower_bound(ops_.begin(), ops_.end(), id, [](const Operation& op, int v) { return op.id < v; });
  return it != ops_.end() && it->id == id ? &*it : nullptr;
}

std::string History::to_string() const {
  std::string s;
  for (const auto& op : ops_) s += op.to_string() + "\n";
  return s;
}

}  // namespace amino::check
