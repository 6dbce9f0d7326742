#include "dms/raft/sessions.h"

#include <algorithm>

namespace amino::dms::raft {

Value reply_to_value(const Reply& r) {
  return ValueMap{{"code", static_cast<std::int64_t>(r.status.code)},
                  {"msg", r.status.message},
                  {"app", r.status.app_type},
                  {"value", r.value}};
}

Reply reply_from_value(const Value& v) {
  Reply r;
  r.status.code = static_cast<Code>(v.at("code").as_int());
  r.status.message = v.at("msg").as_string();
  r.status.app_type = v.at("app").as_string();
  r.value = v.at("value");
  return r;
}

const Reply* Sessions::find(const std::string& caller, std::uint64_t call_id) const {
  auto it = replies_.find(Key{caller, call_id});
  return it == replies_.end() ? nullptr : &it->second;
}

void Sessions::record(const std::string& caller, std::uint64_t call_id, Time stamped, const Reply& reply) {
  Key key{caller, call_id};
  if (!replies_.emplace(key, reply).second) return;
  order_.push_back(Stamp{stamped, std::move(key)});
}

void Sessions::expire(Time stamped, Duration ttl) {
  // Leaders' clocks may disagree a little: expire against the newest stamp seen, so a leader with a
  // slow clock cannot resurrect the window, and stop at the first young record (order is by
  // application; stamps are nearly monotonic, so a few records may live slightly longer).
  newest_ = std::max(newest_, stamped);
  while (!order_.empty() && order_.front().at < newest_ - ttl) {
    replies_.erase(order_.front().key);
    order_.pop_front();
  }
}

Value Sessions::to_value() const {
  ValueList records;
  records.reserve(order_.size());
  for (const auto& s : order_) {
    records.push_back(ValueMap{{"at", s.at},
                               {"c", s.key.first},
                               {"id", static_cast<std::int64_t>(s.key.second)},
                               {"r", reply_to_value(replies_.at(s.key))}});
  }
  return ValueMap{{"newest", newest_}, {"records", std::move(records)}};
}

Sessions Sessions::from_value(const Value& v) {
  Sessions s;
  if (v.is_null()) return s;
  s.newest_ = v.at("newest").as_int();
  for (const auto& r : v.at("records").as_list()) {
    s.record(r.at("c").as_string(), static_cast<std::uint64_t>(r.at("id").as_int()), r.at("at").as_int(),
             reply_from_value(r.at("r")));
  }
  return s;
}

}  // namespace amino::dms::raft
