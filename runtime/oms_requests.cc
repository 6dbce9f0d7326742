#include "runtime/oms_requests.h"

#include <algorithm>
#include <string>

namespace amino {

namespace {
Value reply_to_value(const Reply& r) {
  return ValueMap{{"code", static_cast<std::int64_t>(r.status.code)},
                  {"message", r.status.message},
                  {"app_type", r.status.app_type},
                  {"value", r.value}};
}
Reply reply_from_value(const Value& v) {
  Reply r;
  r.status.code = static_cast<Code>(v.at("code").as_int());
  r.status.message = v.at("message").as_string();
  r.status.app_type = v.at("app_type").as_string();
  r.value = v.at("value");
  return r;
}
}  // namespace

std::optional<RequestLog::Key> RequestLog::key_of(const Value& body) {
  const Value* req = body.is<ValueMap>() ? body.find("req") : nullptr;
  if (req == nullptr || !req->is<ValueMap>()) return std::nullopt;
  const Value* session = req->find("session");
  const Value* seq = req->find("seq");
  if (session == nullptr || seq == nullptr || !session->is<std::string>() || !seq->is<std::int64_t>()) return std::nullopt;
  if (session->as_string().empty() || session->as_string().size() > 64 || seq->as_int() <= 0) return std::nullopt;
  return Key{session->as_string(), seq->as_int()};
}

std::optional<Reply> RequestLog::find(const Key& k) const {
  auto s = sessions_.find(k.session);
  if (s == sessions_.end()) return std::nullopt;
  auto r = s->second.replies.find(k.seq);
  if (r != s->second.replies.end()) return r->second;
  if (k.seq <= s->second.forgot) {
    return Reply::error(Code::kSessionExpired, "OMS request " + std::to_string(k.seq) + " of session " + k.session +
                                                   " is older than the last " + std::to_string(kWindow) +
                                                   " remembered: it may have run already, so it is not run again");
  }
  return std::nullopt;
}

void RequestLog::record(const Key& k, const Reply& reply) {
  Session& s = sessions_[k.session];
  s.replies[k.seq] = reply;
  s.used = ++uses_;
  while (s.replies.size() > kWindow) {
    s.forgot = std::max(s.forgot, s.replies.begin()->first);
    s.replies.erase(s.replies.begin());
  }
  if (sessions_.size() > kMaxSessions) {
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.used < oldest->second.used) oldest = it;
    }
    sessions_.erase(oldest);
  }
}

Value RequestLog::export_state() const {
  ValueMap out;
  for (const auto& [id, s] : sessions_) {
    ValueMap replies;
    for (const auto& [seq, r] : s.replies) replies.emplace(std::to_string(seq), reply_to_value(r));
    out.emplace(id, ValueMap{{"used", s.used}, {"forgot", s.forgot}, {"replies", std::move(replies)}});
  }
  return out;
}

void RequestLog::import_state(const Value& v) {
  sessions_.clear();
  uses_ = 0;
  if (v.is_null()) return;
  for (const auto& [id, sv] : v.as_map()) {
    Session s;
    s.used = sv.at("used").as_int();
    s.forgot = sv.at("forgot").as_int();
    for (const auto& [seq, r] : sv.at("replies").as_map()) s.replies[std::stoll(seq)] = reply_from_value(r);
    uses_ = std::max(uses_, s.used);
    sessions_[id] = std::move(s);
  }
}

}  // namespace amino
