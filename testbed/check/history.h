// A history of client operations in Jepsen's vocabulary: each event is an invoke by a process, or
// that process's completion of it: ok (it happened, with this output), fail (it certainly did not
// happen) or info (unknown: it may have taken effect at any time after its invocation). An invoke
// never completed counts as info. Events are in real-time order; `time` (ns) is optional, and when
// no event has one the line order is the time.
//
// The same history comes from a run (amino's scenario runner), from a JSON Lines file
// (history_jsonl.h: {"process": 3, "type": "invoke", "f": "write", "key": "x", "value": 5,
// "time": 1200000}) or from a C++ test recording its clients (the builder methods below).
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace amino::check {

using Json = nlohmann::json;

// A history that is not well formed: what() names the line (1-based) and what is wrong with it.
class HistoryError : public std::invalid_argument {
 public:
  HistoryError(std::size_t line, const std::string& what)
      : std::invalid_argument("line " + std::to_string(line) + ": " + what), line_(line) {}
  std::size_t line() const { return line_; }

 private:
  std::size_t line_;
};

enum class EventType { kInvoke, kOk, kFail, kInfo };
const char* to_string(EventType t);
std::optional<EventType> event_type_from(std::string_view name);

struct Event {
  std::int64_t process = 0;
  EventType type = EventType::kInvoke;
  std::string f;
  std::optional<Json> key;  // absent: the history's one implicit key
  Json value;               // invoke: the input; ok: the output; fail/info: usually the input again
  std::optional<std::int64_t> time;
  Json extra = Json::object();  // any other fields, kept for round trips and timelines
};

// A completion never seen is "after everything": info operations may take effect at any later time.
inline constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

enum class Outcome { kOk, kFail, kInfo };

// An invoke paired with its completion.
struct Operation {
  int id = 0;            // index of the invoke event: an operation's name in reports and timelines
  int completion = -1;   // index of the completion event; -1 if never completed
  std::int64_t process = 0;
  std::string f;
  std::string key;       // the key as compact JSON text ("" for the implicit key): the partition
  Json input;            // the invoke's value
  Json output;           // the ok completion's value (null otherwise)
  Outcome outcome = Outcome::kInfo;
  std::int64_t call = 0;
  std::int64_t ret = kNever;  // kNever unless ok or fail
  std::string to_string() const;
};

class History {
 public:
  History() = default;
  // Checks and pairs `events` (HistoryError naming the line): every completion follows an invoke
  // of its process, a process has one operation outstanding at a time, times are all present or
  // all absent and never run backwards within an operation.
  // `lines`: each event's line in its file, for messages (default: its position, 1-based).
  explicit History(std::vector<Event> events, const std::vector<std::size_t>& lines = {});

  // Builders for recording clients: invoke returns the operation's index in operations(), which
  // complete takes (with ok, fail or info).
  // `extra`: more fields of the event (an object), e.g. the object, client and node of a run.
  int invoke(std::int64_t process, std::string f, std::optional<Json> key, Json value, std::int64_t time,
             Json extra = Json::object());
  void complete(int op, EventType type, Json value, std::int64_t time, Json extra = Json::object());

  const std::vector<Event>& events() const { return events_; }
  const std::vector<Operation>& operations() const { return ops_; }
  // The operation whose invoke is event `id`; nullptr if there is none.
  const Operation* operation(int id) const;
  // One line per operation, in invocation order (for failure reports).
  std::string to_string() const;

 private:
  void add(Event e, std::size_t line);
  std::vector<Event> events_;
  std::vector<std::size_t> lines_;  // each event's line, for messages
  std::vector<Operation> ops_;
  std::unordered_map<std::int64_t, int> open_;  // process -> its outstanding operation
  bool timed_ = false;
};

}  // namespace amino::check
