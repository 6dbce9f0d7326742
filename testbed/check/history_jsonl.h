// Histories as JSON Lines, one event per line in Jepsen's vocabulary:
//   {"process": 3, "type": "invoke", "f": "write", "key": "x", "value": 5, "time": 1200000}
// process: integer; type: invoke | ok | fail | info; f: a non-empty string; key, value, time
// optional (time: integer ns, on every line or on none); any other field is kept as extra.
// Blank lines are skipped. Every error names its line; the limits bound what one file can cost.
#pragma once

#include <cstddef>
#include <istream>
#include <ostream>
#include <string>
#include <string_view>

#include "testbed/check/history.h"

namespace amino::check {

// One line of a history file (a JSON object of a few fields; values are user data).
inline constexpr std::size_t kMaxHistoryLineBytes = std::size_t{1} << 20;
// Events in one history: 10 M events is already hours of checking; more is a mistake or an attack.
inline constexpr std::size_t kMaxHistoryEvents = 10'000'000;

// Throws HistoryError (the line and what is wrong; LimitExceeded's text for a limit).
History read_jsonl(std::istream& in);
History parse_jsonl(std::string_view text);
// One event from its JSON object (`line` for errors), and back: as a JSON object, or as one line of
// text (no newline) with Jepsen's field order (process, type, f, key, value, time, then the extras).
Event event_from_json(const Json& j, std::size_t line);
Json event_to_json(const Event& e);
std::string event_to_line(const Event& e);
void write_jsonl(const History& h, std::ostream& out);

}  // namespace amino::check
