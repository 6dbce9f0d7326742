#include "testbed/check/linearizability.h"

#include <algorithm>
#include <map>
#include <unordered_set>
#include <utility>

namespace amino::check {

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kLinearizable: return "linearizable";
    case Verdict::kNotLinearizable: return "not linearizable";
    case Verdict::kUnknown: return "unknown";
  }
  return "?";
}

namespace {

// One operation of one key as the search sees it.
struct Entry {
  int op = 0;  // index into History::operations()
  Call call;
  std::int64_t at = 0;
  std::int64_t ret = kNever;  // kNever: unknown outcome, returns after everything
};

// The call/return event list of Lowe's algorithm, as indices into a node array; node 0 is the head.
struct Node {
  int entry = -1;  // -1 for the head
  bool is_call = false;
  int match = -1;  // call: its return node
  int prev = -1;
  int next = -1;
};

class EventList {
 public:
  explicit EventList(const std::vector<Entry>& entries) {
    struct Ev {
      std::int64_t at;
      bool is_call;
      int entry;
    };
    std::vector<Ev> evs;
    evs.reserve(entries.size() * 2);
    for (int i = 0; i < static_cast<int>(entries.size()); ++i) {
      evs.push_back({entries[static_cast<std::size_t>(i)].at, true, i});
      evs.push_back({entries[static_cast<std::size_t>(i)].ret, false, i});
    }
    // At equal times calls come before returns: touching operations count as concurrent, the
    // lenient reading for clocks of finite resolution.
    std::stable_sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) {
      if (a.at != b.at) return a.at < b.at;
      return a.is_call && !b.is_call;
    });
    nodes_.resize(evs.size() + 1);
    std::vector<int> call_node(entries.size(), -1);
    for (std::size_t i = 0; i < evs.size(); ++i) {
      Node& n = nodes_[i + 1];
      n.entry = evs[i].entry;
      n.is_call = evs[i].is_call;
      n.prev = static_cast<int>(i);
      n.next = i + 1 < evs.size() ? static_cast<int>(i + 2) : -1;
      if (n.is_call) {
        call_node[static_cast<std::size_t>(n.entry)] = static_cast<int>(i + 1);
      } else {
        nodes_[static_cast<std::size_t>(call_node[static_cast<std::size_t>(n.entry)])].match = static_cast<int>(i + 1);
      }
    }
    nodes_[0].next = evs.empty() ? -1 : 1;
  }

  const Node& operator[](int i) const { return nodes_[static_cast<std::size_t>(i)]; }
  int first() const { return nodes_[0].next; }

  // Removes a call and its return from the list.
  void lift(int call) {
    const Node& c = at(call);
    at(c.prev).next = c.next;
    if (c.next >= 0) at(c.next).prev = c.prev;
    const Node& r = at(c.match);
    at(r.prev).next = r.next;
    if (r.next >= 0) at(r.next).prev = r.prev;
  }
  // Puts them back: the exact reverse of lift.
  void unlift(int call) {
    const Node& c = at(call);
    const Node& r = at(c.match);
    at(r.prev).next = c.match;
    if (r.next >= 0) at(r.next).prev = c.match;
    at(c.prev).next = call;
    if (c.next >= 0) at(c.next).prev = call;
  }

 private:
  Node& at(int i) { return nodes_[static_cast<std::size_t>(i)]; }
  std::vector<Node> nodes_;
};

// A configuration explored: (linearized set, model state).
struct Config {
  std::vector<std::uint64_t> bits;
  std::string state;
  bool operator==(const Config& o) const { return bits == o.bits && state == o.state; }
};
struct ConfigHash {
  std::size_t operator()(const Config& c) const {
    std::size_t h = std::hash<std::string>{}(c.state);
    for (auto w : c.bits) h = (h ^ std::hash<std::uint64_t>{}(w)) * 0x100000001b3ULL;
    return h;
  }
};

void set_bit(std::vector<std::uint64_t>& bits, int i, bool on) {
  const std::uint64_t mask = std::uint64_t{1} << (i % 64);
  auto& word = bits[static_cast<std::size_t>(i) / 64];
  word = on ? (word | mask) : (word & ~mask);
}

// How often the search polls CheckOptions::out_of_time.
constexpr std::uint64_t kPollEvery = 4096;

struct SearchResult {
  Verdict verdict = Verdict::kLinearizable;
  std::uint64_t steps = 0;
  std::string reason;                 // unknown: why
  std::vector<int> longest;           // entries of the deepest linearization met, in order
  std::vector<std::string> states;    // the state after each of them
  int blocked = -1;                   // the entry whose return stopped that linearization
};

SearchResult search(const Model& model, const std::vector<Entry>& entries, const CheckOptions& options) {
  SearchResult r;
  EventList list(entries);
  Config current{std::vector<std::uint64_t>((entries.size() + 63) / 64, 0), model.init()};
  std::unordered_set<Config, ConfigHash> seen;
  struct Frame {
    int call;
    std::string state;  // before the call
  };
  std::vector<Frame> stack;
  int entry = list.first();
  std::string next;
  while (list.first() >= 0) {
    ++r.steps;
    if (r.steps > options.max_steps_per_key) {
      r.verdict = Verdict::kUnknown;
      r.reason = "gave up after " + std::to_string(options.max_steps_per_key) + " search steps (the step limit)";
      return r;
    }
    if (r.steps % kPollEvery == 0 && options.out_of_time && options.out_of_time()) {
      r.verdict = Verdict::kUnknown;
      r.reason = "stopped by the time limit after " + std::to_string(r.steps) + " search steps";
      return r;
    }
    const Node& n = list[entry];
    if (n.is_call) {
      if (model.step(current.state, entries[static_cast<std::size_t>(n.entry)].call, &next)) {
        Config candidate{current.bits, next};
        set_bit(candidate.bits, n.entry, true);
        if (seen.insert(candidate).second) {  // a configuration not explored yet
          stack.push_back({entry, std::move(current.state)});
          current = std::move(candidate);
          list.lift(entry);
          entry = list.first();
          continue;
        }
      }
      entry = n.next;
      continue;
    }
    // A return whose call is not linearized yet: undo the last linearization, try the next option.
    if (stack.size() > r.longest.size() || r.blocked < 0) {
      r.longest.clear();
      r.states.clear();
      for (std::size_t i = 0; i < stack.size(); ++i) {
        r.longest.push_back(list[stack[i].call].entry);
        r.states.push_back(i + 1 < stack.size() ? stack[i + 1].state : current.state);
      }
      r.blocked = n.entry;
    }
    if (stack.empty()) {
      r.verdict = Verdict::kNotLinearizable;
      return r;
    }
    Frame f = std::move(stack.back());
    stack.pop_back();
    set_bit(current.bits, list[f.call].entry, false);
    current.state = std::move(f.state);
    list.unlift(f.call);
    entry = list[f.call].next;
  }
  return r;
}

// The history as observed at time `cut`: operations invoked by then, those still running counted
// as unknown (and dropped when they change nothing).
std::vector<Entry> observed_at(const Model& model, const std::vector<Entry>& all, std::int64_t cut) {
  std::vector<Entry> out;
  for (const Entry& e : all) {
    if (e.at > cut) continue;
    Entry p = e;
    if (p.ret > cut) {
      p.ret = kNever;
      p.call.known = false;
      if (model.read_only(p.call)) continue;
    }
    out.push_back(std::move(p));
  }
  return out;
}

// Up to this many lines of operations in an explanation; the window's full list is in Window::ops.
constexpr std::size_t kExplainOps = 40;

struct Failure {
  std::vector<Entry> entries;  // the key's entries (all of them)
  SearchResult at_failure;     // the search of the earliest failing prefix (or of the whole key)
  int failing = -1;            // entry index
  bool earliest = false;       // whether the prefix search found the earliest failure
};

// Binary search for the earliest return after which the observed history is not linearizable.
// Monotone: any linearization of a longer observation restricts to one of a shorter one.
void find_earliest(const Model& model, Failure& f, const SearchResult& whole, const CheckOptions& options) {
  std::vector<std::int64_t> cuts;
  for (const Entry& e : f.entries) {
    if (e.ret != kNever) cuts.push_back(e.ret);
  }
  std::sort(cuts.begin(), cuts.end());
  cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
  // The last cut observes every return, so it fails as the whole history does: find the first that fails.
  auto search_cut = [&](std::size_t i) {
    const std::vector<Entry> prefix = observed_at(model, f.entries, cuts[i]);
    SearchResult r = search(model, prefix, options);
    for (auto& e : r.longest) e = prefix[static_cast<std::size_t>(e)].op;
    return r;
  };
  std::optional<SearchResult> at_hi;
  std::size_t lo = 0, hi = cuts.empty() ? 0 : cuts.size() - 1;
  bool gave_up = cuts.empty() || !options.earliest_failure;
  // First probes: the return where the whole search got stuck deepest, then the cut just before
  // it. That return is usually the earliest failure, which two searches then prove; otherwise the
  // probes still narrow the bisection.
  std::vector<std::size_t> hints;
  if (!gave_up && whole.blocked >= 0) {
    const std::int64_t at = f.entries[static_cast<std::size_t>(whole.blocked)].ret;
    const auto it = std::lower_bound(cuts.begin(), cuts.end(), at);
    if (it != cuts.end() && *it == at) {
      const auto h = static_cast<std::size_t>(it - cuts.begin());
      hints = {h, h > 0 ? h - 1 : h};
    }
  }
  std::size_t next_hint = 0;
  while (!gave_up && lo < hi) {
    std::size_t mid = lo + (hi - lo) / 2;
    while (next_hint < hints.size()) {
      const std::size_t h = hints[next_hint++];
      if (h >= lo && h < hi) {
        mid = h;
        break;
      }
    }
    SearchResult r = search_cut(mid);
    if (r.verdict == Verdict::kUnknown) {
      gave_up = true;
    } else if (r.verdict == Verdict::kNotLinearizable) {
      hi = mid;
      at_hi = std::move(r);
    } else {
      lo = mid + 1;
    }
  }
  if (!gave_up && !at_hi) at_hi = search_cut(hi);
  if (!gave_up && at_hi->verdict == Verdict::kNotLinearizable) {
    for (std::size_t i = 0; i < f.entries.size(); ++i) {
      if (f.entries[i].ret == cuts[hi]) {
        f.failing = static_cast<int>(i);
        break;
      }
    }
    f.at_failure = std::move(*at_hi);
    f.earliest = true;
    return;
  }
  // Not asked for, or a prefix search hit a limit: report where the whole search got stuck instead.
  f.at_failure = whole;
  for (auto& e : f.at_failure.longest) e = f.entries[static_cast<std::size_t>(e)].op;
  f.failing = whole.blocked;
}

Window window_of(const std::vector<Operation>& ops, const Failure& f, const std::string& key) {
  Window w;
  w.key = key;
  const Entry& bad = f.entries[static_cast<std::size_t>(f.failing)];
  w.failing_op = ops[static_cast<std::size_t>(bad.op)].id;
  w.start = bad.at;
  w.end = bad.ret;
  // From the earliest completed operation concurrent with it, or the last one completed before it
  // began. Operations of unknown outcome overlap everything after their invocation, so they do not
  // move the start (they are in the window if invoked inside it, and counted in the explanation).
  std::int64_t last_done = -1;
  for (const Entry& e : f.entries) {
    if (e.ret != kNever && e.at <= bad.ret && e.ret >= bad.at) w.start = std::min(w.start, e.at);
    if (e.ret < bad.at) last_done = std::max(last_done, e.ret);
  }
  for (const Entry& e : f.entries) {
    if (e.ret == last_done) w.start = std::min(w.start, e.at);
  }
  for (const Entry& e : f.entries) {
    const bool inside = e.ret == kNever ? e.at >= w.start && e.at <= w.end : e.at <= w.end && e.ret >= w.start;
    if (inside) w.ops.push_back(ops[static_cast<std::size_t>(e.op)].id);
  }
  std::sort(w.ops.begin(), w.ops.end());
  return w;
}

std::string explain(const Model& model, const std::vector<Operation>& ops, const Failure& f, const Window& w) {
  std::string s;
  const Operation& bad = ops[static_cast<std::size_t>(f.entries[static_cast<std::size_t>(f.failing)].op)];
  s += std::string(f.earliest ? "the history stops being linearizable when this operation returns:\n  "
                              : "no linearization gets past this operation's return:\n  ") +
       bad.to_string() + "\n";
  const auto& lin = f.at_failure.longest;
  s += "longest linearization found before it (" + std::to_string(lin.size()) + " operations)";
  if (lin.empty()) {
    s += ": none; the initial state is " + model.describe_state(model.init()) + "\n";
  } else {
    s += ", last steps with the state after each:\n";
    const std::size_t from = lin.size() > kExplainOps / 2 ? lin.size() - kExplainOps / 2 : 0;
    if (from > 0) s += "  ... " + std::to_string(from) + " earlier\n";
    for (std::size_t i = from; i < lin.size(); ++i) {
      s += "  " + ops[static_cast<std::size_t>(lin[i])].to_string() + "  => " +
           model.describe_state(f.at_failure.states[i]) + "\n";
    }
  }
  s += "window [" + std::to_string(w.start) + ", " + std::to_string(w.end) + "]: " + std::to_string(w.ops.size()) +
       " operations concurrent with it or just before it:\n";
  std::size_t shown = 0;
  for (const Operation& op : ops) {  // ids increase with the index: one pass finds them in order
    if (shown == kExplainOps) break;
    if (std::binary_search(w.ops.begin(), w.ops.end(), op.id)) {
      s += "  " + op.to_string() + "\n";
      ++shown;
    }
  }
  if (w.ops.size() > kExplainOps) s += "  ... " + std::to_string(w.ops.size() - kExplainOps) + " more\n";
  std::size_t open_before = 0;  // unknown outcome, invoked before the window: may land inside it
  for (const Entry& e : f.entries) open_before += e.ret == kNever && e.at < w.start ? 1 : 0;
  if (open_before > 0) {
    s += "and " + std::to_string(open_before) +
         " operation(s) of unknown outcome invoked before the window, which may have taken effect in it\n";
  }
  return s;
}

}  // namespace

std::string CheckResult::summary() const {
  std::string s = std::string(to_string(verdict)) + " (model " + model + ", " + std::to_string(operations) +
                  " operations, " + std::to_string(keys.size()) + " of " + std::to_string(keys_total) + " keys searched)";
  if (window) s += "\nkey " + (window->key.empty() ? std::string("(implicit)") : window->key) + ":";
  if (!explanation.empty()) s += "\n" + explanation;
  return s;
}

Json CheckResult::to_json() const {
  Json j{{"verdict", to_string(verdict)}, {"model", model}, {"operations", operations}, {"keys_total", keys_total},
         {"explanation", explanation}};
  j["keys"] = Json::array();
  for (const auto& k : keys) {
    j["keys"].push_back({{"key", k.key}, {"verdict", to_string(k.verdict)}, {"steps", k.steps},
                         {"operations", k.operations}, {"reason", k.reason}});
  }
  if (window) {
    j["window"] = {{"key", window->key}, {"failing_op", window->failing_op}, {"start", window->start},
                   {"end", window->end}, {"ops", window->ops}};
  } else {
    j["window"] = nullptr;
  }
  return j;
}

CheckResult check_linearizable(const History& history, const Model& model, const CheckOptions& options) {
  CheckResult out;
  out.model = model.name();
  const auto& ops = history.operations();
  out.operations = ops.size();
  std::map<std::string, std::vector<Entry>> by_key;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Operation& op = ops[i];
    if (op.outcome == Outcome::kFail) continue;  // had no effect (its f is still checked below)
    Entry e;
    e.op = static_cast<int>(i);
    e.call = model.compile(op);
    e.at = op.call;
    e.ret = op.outcome == Outcome::kOk ? op.ret : kNever;
    if (!e.call.known && model.read_only(e.call)) continue;  // observed nothing we know
    by_key[op.key].push_back(std::move(e));
  }
  for (const Operation& op : ops) {  // a failed operation must still be one the model knows
    if (op.outcome == Outcome::kFail) {
      Operation probe = op;
      probe.outcome = Outcome::kInfo;
      (void)model.compile(probe);
    }
  }
  out.keys_total = by_key.size();
  // Smallest keys first: a violation in any key decides, and small keys decide fast.
  std::vector<const std::pair<const std::string, std::vector<Entry>>*> order;
  for (const auto& kv : by_key) order.push_back(&kv);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->second.size() < b->second.size(); });
  bool unknown = false;
  for (const auto* kv : order) {
    SearchResult r = search(model, kv->second, options);
    KeyResult k{kv->first, r.verdict, r.steps, kv->second.size(), r.reason};
    out.keys.push_back(k);
    if (r.verdict == Verdict::kUnknown) {
      unknown = true;
      if (out.explanation.empty()) out.explanation = "key " + (kv->first.empty() ? "(implicit)" : kv->first) + ": " + r.reason;
      if (options.out_of_time && options.out_of_time()) break;  // out of time: the other keys would be too
      continue;
    }
    if (r.verdict == Verdict::kNotLinearizable) {
      Failure f;
      f.entries = kv->second;
      find_earliest(model, f, r, options);
      out.window = window_of(ops, f, kv->first);
      out.explanation = explain(model, ops, f, *out.window);
      out.verdict = Verdict::kNotLinearizable;
      return out;
    }
  }
  if (unknown) out.verdict = Verdict::kUnknown;
  return out;
}

}  // namespace amino::check
