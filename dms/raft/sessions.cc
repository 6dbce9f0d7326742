#include "dms/raft/sessions.h"

#include <algorithm>

#include "runtime/wire.h"

namespace amino::dms::raft {

Value reply_to_value(const Reply& r) {
  return ValueMap{{"code", static_cast<std::int64_t>(r.status.code)},
                  {"msg", r.status.message},
                  {"app", r.status.app_type},
                  {"value", r.value}};
}

Reply reply_from_value(const Value& v) {
  Reply r;
  r.status.code = code_from_int(v.at("code").as_int());
  r.status.message = v.at("msg").as_string();
  r.status.app_type = v.at("app").as_string();
  r.value = v.at("value");
  return r;
}

const Reply* Sessions::find(const SessionId& session, std::uint64_t call_id) const {
  auto s = sessions_.find(session);
  if (s == sessions_.end()) return nullptr;
  auto it = s->second.replies.find(call_id);
  return it == s->second.replies.end() ? nullptr : &it->second;
}

bool Sessions::expired(const SessionId& session, std::uint64_t call_id) const {
  auto s = sessions_.find(session);
  if (s == sessions_.end() || !s->second.forgot) return false;
  return call_id <= s->second.watermark && s->second.replies.count(call_id) == 0;
}

void Sessions::record(const SessionId& session, std::uint64_t call_id, Time stamped, const Reply& reply) {
  if (!sessions_[session].replies.emplace(call_id, reply).second) return;
  Stamp stamp{stamped, session, call_id};
  stamp.item_size = wire::append_list_item(records_, wire::encode_value(record_value(stamp, reply)));
  order_.push_back(std::move(stamp));
}

void Sessions::expire(Time stamped, Duration ttl) {
  // Leaders' clocks may disagree a little: expire against the newest stamp seen, so a leader with a
  // slow clock cannot resurrect the window, and stop at the first young record (order is by
  // application; stamps are nearly monotonic, so a few records may live slightly longer).
  newest_ = std::max(newest_, stamped);
  while (!order_.empty() && order_.front().at < newest_ - ttl) {
    const Stamp& old = order_.front();
    Session& s = sessions_[old.session];
    s.replies.erase(old.call_id);
    s.watermark = s.forgot ? std::max(s.watermark, old.call_id) : old.call_id;
    s.forgot = true;
    if (s.replies.empty()) {
      s.idle_since = newest_;
      idle_.emplace_back(newest_, old.session);
    }
    records_head_ += old.item_size;
    order_.pop_front();
  }
  if (records_head_ > records_.size() / 2) {  // amortized: each byte moves at most once more
    records_.erase(0, records_head_);
    records_head_ = 0;
  }
  const Duration tombstone = ttl * kTombstoneTtls;
  while (!idle_.empty() && idle_.front().first < newest_ - tombstone) {
    auto it = sessions_.find(idle_.front().second);
    // Only if it stayed idle since: a session that became active again was queued anew.
    if (it != sessions_.end() && it->second.replies.empty() && it->second.idle_since == idle_.front().first) {
      sessions_.erase(it);
    }
    idle_.pop_front();
  }
}

Value Sessions::record_value(const Stamp& s, const Reply& r) {
  return ValueMap{{"at", s.at}, {"s", s.session}, {"id", static_cast<std::int64_t>(s.call_id)}, {"r", reply_to_value(r)}};
}

Value Sessions::watermarks_value() const {
  ValueList watermarks;
  for (const auto& [id, s] : sessions_) {
    if (s.forgot) {
      watermarks.push_back(ValueMap{{"s", id}, {"w", static_cast<std::int64_t>(s.watermark)}, {"idle", s.idle_since}});
    }
  }
  return watermarks;
}

Value Sessions::idle_value() const {
  ValueList idle;
  for (const auto& [at, id] : idle_) idle.push_back(ValueMap{{"at", at}, {"s", id}});
  return idle;
}

Value Sessions::to_value() const {
  ValueList records;
  records.reserve(order_.size());
  for (const auto& s : order_) records.push_back(record_value(s, sessions_.at(s.session).replies.at(s.call_id)));
  return ValueMap{{"newest", newest_}, {"records", std::move(records)}, {"watermarks", watermarks_value()},
                  {"idle", idle_value()}};
}

std::string Sessions::encode() const {
  const std::string records = wire::encode_list_of(std::string_view(records_).substr(records_head_));
  const Value newest = newest_, watermarks = watermarks_value(), idle = idle_value();
  return wire::encode_map_of(
      {{"newest", &newest}, {"records", wire::Encoded{records}}, {"watermarks", &watermarks}, {"idle", &idle}});
}

Sessions Sessions::from_value(const Value& v) {
  Sessions s;
  if (v.is_null()) return s;
  s.newest_ = v.at("newest").as_int();
  for (const auto& r : v.at("records").as_list()) {
    s.record(r.at("s").as_string(), static_cast<std::uint64_t>(r.at("id").as_int()), r.at("at").as_int(),
             reply_from_value(r.at("r")));
  }
  for (const auto& w : v.at("watermarks").as_list()) {
    Session& session = s.sessions_[w.at("s").as_string()];
    session.forgot = true;
    session.watermark = static_cast<std::uint64_t>(w.at("w").as_int());
    session.idle_since = w.at("idle").as_int();
  }
  for (const auto& i : v.at("idle").as_list()) s.idle_.emplace_back(i.at("at").as_int(), i.at("s").as_string());
  return s;
}

}  // namespace amino::dms::raft
