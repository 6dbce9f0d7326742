#include "dms/raft/raft_log.h"

namespace amino::dms::raft {

Value Entry::to_value() const {
  return ValueMap{{"term", term}, {"kind", static_cast<std::int64_t>(kind)}, {"body", body}};
}

Entry Entry::from_value(const Value& v) {
  Entry e;
  e.term = v.at("term").as_int();
  e.kind = static_cast<EntryKind>(v.at("kind").as_int());
  e.body = v.at("body");
  return e;
}

std::optional<std::int64_t> Log::term_at(std::int64_t i) const {
  if (i == base_index_) return base_term_;
  if (!has(i)) return std::nullopt;
  return at(i).term;
}

std::int64_t Log::first_index_of_term_at(std::int64_t i) const {
  const std::int64_t term = at(i).term;
  while (i - 1 > base_index_ && at(i - 1).term == term) --i;
  return i;
}

std::int64_t Log::append(Entry e) {
  entries_.push_back(std::move(e));
  return last_index();
}

void Log::truncate_from(std::int64_t i) {
  while (last_index() >= i && !entries_.empty()) entries_.pop_back();
}

void Log::compact(std::int64_t index, std::int64_t term) {
  while (!entries_.empty() && base_index_ < index) {
    entries_.pop_front();
    ++base_index_;
  }
  base_index_ = index;
  base_term_ = term;
}

void Log::reset(std::int64_t index, std::int64_t term) {
  entries_.clear();
  base_index_ = index;
  base_term_ = term;
}

}  // namespace amino::dms::raft
