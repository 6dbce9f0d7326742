#include "dms/raft/raft_store.h"

#include <algorithm>
#include <cstdio>

#include "runtime/wire.h"

namespace amino::dms::raft {

namespace {
constexpr const char* kHard = "hard";
constexpr const char* kSnap = "snap";
constexpr const char* kEntries = "e/";
}  // namespace

Value SnapshotRec::to_value() const {
  return ValueMap{{"index", index}, {"term", term}, {"members", members}, {"object", object},
                  {"sessions", wire::decode_value(sessions)}};
}

SnapshotRec SnapshotRec::from_value(const Value& v) {
  SnapshotRec s;
  s.index = v.at("index").as_int();
  s.term = v.at("term").as_int();
  s.members = v.at("members");
  s.object = v.at("object");
  s.sessions = wire::encode_value(v.at("sessions"));
  return s;
}

std::string Store::entry_key(std::int64_t index) const {
  char digits[24];
  std::snprintf(digits, sizeof digits, "%020lld", static_cast<long long>(index));
  return prefix_ + kEntries + digits;
}

void Store::save_hard_state(const HardState& hs) {
  storage_.put(prefix_ + kHard, wire::encode_value(ValueMap{{"term", hs.term}, {"vote", hs.voted_for}}));
}

// The bytes of encode_value(s.to_value()), without copying the snapshot into a Value first (the
// session table makes it large, and it is saved every snapshotEvery entries).
void Store::save_snapshot(const SnapshotRec& s) {
  const Value index = s.index, term = s.term;
  storage_.put(prefix_ + kSnap, wire::encode_map_of({{"index", &index}, {"term", &term}, {"members", &s.members},
                                                     {"object", &s.object}, {"sessions", wire::Encoded{s.sessions}}}));
}

void Store::save_entry(std::int64_t index, const Entry& e) {
  storage_.put(entry_key(index), wire::encode_value(e.to_value()));
}

void Store::erase_entries(std::int64_t first, std::int64_t last) {
  for (std::int64_t i = first; i <= last; ++i) storage_.erase(entry_key(i));
}

Store::Loaded Store::load() const {
  Loaded out;
  auto decode = [&](const std::string& key) -> std::optional<Value> {
    auto bytes = storage_.get(key);
    if (!bytes) return std::nullopt;
    try {
      return wire::decode_value(*bytes);
    } catch (const std::exception&) {
      out.corrupt.push_back(key);
      return std::nullopt;
    }
  };
  if (auto h = decode(prefix_ + kHard)) out.hard = HardState{h->at("term").as_int(), h->at("vote").as_string()};
  if (auto s = decode(prefix_ + kSnap)) out.snapshot = SnapshotRec::from_value(*s);
  const std::string entries_prefix = prefix_ + kEntries;
  for (const auto& key : storage_.keys(entries_prefix)) {
    if (auto e = decode(key)) out.entries.emplace_back(std::stoll(key.substr(entries_prefix.size())), Entry::from_value(*e));
  }
  std::sort(out.entries.begin(), out.entries.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

Value Store::dump() const {
  ValueMap out;
  for (const auto& key : storage_.keys(prefix_)) {
    if (auto bytes = storage_.get(key)) out.emplace(key.substr(prefix_.size()), Bytes{*bytes});
  }
  return out;
}

void Store::load_dump(const Value& dump) {
  for (const auto& [key, bytes] : dump.as_map()) storage_.put(prefix_ + key, bytes.as<Bytes>().data);
  storage_.sync();
}

}  // namespace amino::dms::raft
