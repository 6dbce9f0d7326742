#include "testbed/check/history_jsonl.h"

#include <sstream>
#include <string>
#include <utility>

#include "runtime/limits.h"
#include "runtime/value_json.h"

namespace amino::check {

namespace {

std::string limit_text(const char* what, const char* name, std::size_t limit) {
  return std::string(what) + " (limit " + name + " = " + std::to_string(limit) + ")";
}

Event parse_line(std::string_view text, std::size_t line) {
  Json j;
  try {
    j = parse_json_bounded(text);
  } catch (const std::invalid_argument& e) {  // malformed, or LimitExceeded (nesting)
    throw HistoryError(line, e.what());
  }
  return event_from_json(j, line);
}

}  // namespace

Event event_from_json(const Json& j, std::size_t line) {
  if (!j.is_object()) throw HistoryError(line, "an event must be a JSON object, got " + std::string(j.type_name()));
  Event e;
  const auto process = j.find("process");
  if (process == j.end() || !process->is_number_integer()) {
    throw HistoryError(line, "\"process\" must be an integer");
  }
  if (process->is_number_unsigned() && process->get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
    throw HistoryError(line, "\"process\" is out of range");
  }
  e.process = process->get<std::int64_t>();
  const auto type = j.find("type");
  if (type == j.end() || !type->is_string()) throw HistoryError(line, "\"type\" must be one of invoke, ok, fail, info");
  const auto t = event_type_from(type->get_ref<const std::string&>());
  if (!t) throw HistoryError(line, "\"type\" must be one of invoke, ok, fail, info, got \"" + type->get<std::string>() + "\"");
  e.type = *t;
  const auto f = j.find("f");
  if (f == j.end() || !f->is_string() || f->get_ref<const std::string&>().empty()) {
    throw HistoryError(line, "\"f\" (the operation) must be a non-empty string");
  }
  e.f = f->get<std::string>();
  if (const auto key = j.find("key"); key != j.end() && !key->is_null()) e.key = *key;
  if (const auto value = j.find("value"); value != j.end()) e.value = *value;
  if (const auto time = j.find("time"); time != j.end() && !time->is_null()) {
    if (!time->is_number_integer() || (time->is_number_unsigned() && time->get<std::uint64_t>() >= static_cast<std::uint64_t>(kNever))) {
      throw HistoryError(line, "\"time\" must be an integer number of nanoseconds");
    }
    e.time = time->get<std::int64_t>();
  }
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() != "process" && it.key() != "type" && it.key() != "f" && it.key() != "key" && it.key() != "value" &&
        it.key() != "time") {
      e.extra[it.key()] = it.value();
    }
  }
  return e;
}

History read_jsonl(std::istream& in) {
  std::vector<Event> events;
  std::vector<std::size_t> lines;
  std::string text;
  std::size_t line = 0;
  // getline would grow the buffer to any line's length first; read in bounded pieces instead.
  while (in.peek() != std::char_traits<char>::eof()) {
    ++line;
    text.clear();
    char c;
    while (in.get(c)) {
      if (c == '\n') break;
      if (text.size() == kMaxHistoryLineBytes) {
        throw HistoryError(line, limit_text("line too long", "kMaxHistoryLineBytes", kMaxHistoryLineBytes));
      }
      text.push_back(c);
    }
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (events.size() == kMaxHistoryEvents) {
      throw HistoryError(line, limit_text("too many events", "kMaxHistoryEvents", kMaxHistoryEvents));
    }
    events.push_back(parse_line(text, line));
    lines.push_back(line);
  }
  return History(std::move(events), lines);
}

History parse_jsonl(std::string_view text) {
  std::istringstream in{std::string(text)};
  return read_jsonl(in);
}

namespace {

// The one place that writes an event's fields; J keeps them in insertion order or sorts them.
template <typename J>
J event_object(const Event& e) {
  J j;
  j["process"] = e.process;
  j["type"] = to_string(e.type);
  j["f"] = e.f;
  if (e.key) j["key"] = *e.key;
  j["value"] = e.value;
  if (e.time) j["time"] = *e.time;
  if (e.extra.is_object()) {
    for (auto it = e.extra.begin(); it != e.extra.end(); ++it) j[it.key()] = it.value();
  }
  return j;
}

}  // namespace

Json event_to_json(const Event& e) { return event_object<Json>(e); }

std::string event_to_line(const Event& e) { return event_object<nlohmann::ordered_json>(e).dump(); }

void write_jsonl(const History& h, std::ostream& out) {
  for (const auto& e : h.events()) out << event_to_line(e) << '\n';
}

}  // namespace amino::check
