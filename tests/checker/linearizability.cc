#include "tests/checker/linearizability.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <unordered_set>

namespace amino::checker {

namespace {

using State = std::optional<std::string>;

// The register model: whether `op` may take effect in `state`, and the state after it.
bool step(const Operation& op, const State& state, State* next) {
  switch (op.kind) {
    case OpKind::kRead:
      *next = state;
      return state == op.value;
    case OpKind::kWrite:
      *next = op.value;
      return true;
    case OpKind::kCas: {
      const bool matches = state == op.expected;
      if (op.outcome != Outcome::kOk) {  // unknown outcome: if it took effect, it swapped iff matching
        *next = matches ? op.value : state;
        return true;
      }
      *next = op.cas_succeeded ? op.value : state;
      return matches == op.cas_succeeded;
    }
  }
  return false;
}

// The call/return event list of Lowe's algorithm, as indices into a node array; node 0 is the head.
struct Node {
  int op = -1;  // index into the per-key operation vector; -1 for the head
  bool is_call = false;
  int match = -1;  // call: its return node
  int prev = -1;
  int next = -1;
};

class EventList {
 public:
  explicit EventList(const std::vector<const Operation*>& ops) {
    struct Ev {
      Time at;
      bool is_call;
      int op;
    };
    std::vector<Ev> evs;
    for (int i = 0; i < static_cast<int>(ops.size()); ++i) {
      const Operation& o = *ops[static_cast<std::size_t>(i)];
      evs.push_back({o.invoked, true, i});
      evs.push_back({o.outcome == Outcome::kOk ? o.completed : kForever, false, i});
    }
    // At equal times calls come before returns: touching operations count as concurrent, the
    // lenient reading for clocks of finite resolution.
    std::stable_sort(evs.begin(), evs.end(), [](const Ev& a, const Ev& b) {
      if (a.at != b.at) return a.at < b.at;
      return a.is_call && !b.is_call;
    });
    nodes_.resize(evs.size() + 1);
    std::vector<int> call_node(ops.size(), -1);
    for (std::size_t i = 0; i < evs.size(); ++i) {
      Node& n = nodes_[i + 1];
      n.op = evs[i].op;
      n.is_call = evs[i].is_call;
      n.prev = static_cast<int>(i);
      n.next = i + 1 < evs.size() ? static_cast<int>(i + 2) : -1;
      if (n.is_call) {
        call_node[static_cast<std::size_t>(n.op)] = static_cast<int>(i + 1);
      } else {
        nodes_[static_cast<std::size_t>(call_node[static_cast<std::size_t>(n.op)])].match = static_cast<int>(i + 1);
      }
    }
    nodes_[0].next = evs.empty() ? -1 : 1;
  }

  Node& operator[](int i) { return nodes_[static_cast<std::size_t>(i)]; }
  int first() const { return nodes_[0].next; }

  // Removes a call and its return from the list.
  void lift(int call) {
    Node& c = (*this)[call];
    (*this)[c.prev].next = c.next;
    if (c.next >= 0) (*this)[c.next].prev = c.prev;
    Node& r = (*this)[c.match];
    (*this)[r.prev].next = r.next;
    if (r.next >= 0) (*this)[r.next].prev = r.prev;
  }
  // Puts them back: the exact reverse of lift.
  void unlift(int call) {
    Node& c = (*this)[call];
    Node& r = (*this)[c.match];
    (*this)[r.prev].next = c.match;
    if (r.next >= 0) (*this)[r.next].prev = c.match;
    (*this)[c.prev].next = call;
    if (c.next >= 0) (*this)[c.next].prev = call;
  }

 private:
  std::vector<Node> nodes_;
};

// Memo of explored configurations: (linearized set, model state).
struct Config {
  std::vector<std::uint64_t> bits;
  State state;
  bool operator==(const Config& o) const { return bits == o.bits && state == o.state; }
};
struct ConfigHash {
  std::size_t operator()(const Config& c) const {
    std::size_t h = c.state ? std::hash<std::string>{}(*c.state) : 0x9e3779b9u;
    for (auto w : c.bits) h = h * 1000003u ^ std::hash<std::uint64_t>{}(w);
    return h;
  }
};

void set_bit(std::vector<std::uint64_t>& bits, int i, bool on) {
  const std::uint64_t mask = std::uint64_t{1} << (i % 64);
  auto& word = bits[static_cast<std::size_t>(i) / 64];
  word = on ? (word | mask) : (word & ~mask);
}

std::string explain(const std::vector<const Operation*>& ops, const std::vector<int>& best, int blocked_op) {
  std::string s = "longest linearization found (" + std::to_string(best.size()) + " of " +
                  std::to_string(ops.size()) + " operations):\n";
  for (int i : best) s += "  " + ops[static_cast<std::size_t>(i)]->to_string() + "\n";
  if (blocked_op >= 0) {
    s += "after which no pending operation can take effect before this one returns:\n  " +
         ops[static_cast<std::size_t>(blocked_op)]->to_string() + "\n";
  }
  s += "all operations on this key:\n";
  for (const auto* o : ops) s += "  " + o->to_string() + "\n";
  return s;
}

KeyResult check_key(const std::string& key, const std::vector<const Operation*>& ops, const CheckOptions& options) {
  KeyResult result;
  result.key = key;
  result.operations = ops.size();
  EventList list(ops);
  Config current{std::vector<std::uint64_t>((ops.size() + 63) / 64, 0), std::nullopt};
  std::unordered_set<Config, ConfigHash> seen;
  struct Frame {
    int call;
    State state;
  };
  std::vector<Frame> stack;  // linearized calls, in order, with the state before each
  std::vector<int> best;     // the deepest linearization met, for the report
  int blocked_at_best = -1;

  int entry = list.first();
  while (list.first() >= 0) {
    if (++result.steps > options.max_steps_per_key) {
      result.decided = false;
      result.explanation = "gave up after " + std::to_string(options.max_steps_per_key) + " steps";
      return result;
    }
    Node& n = list[entry];
    if (n.is_call) {
      const Operation& op = *ops[static_cast<std::size_t>(n.op)];
      State next;
      if (step(op, current.state, &next)) {
        Config candidate{current.bits, next};
        set_bit(candidate.bits, n.op, true);
        if (seen.insert(candidate).second) {  // a configuration not explored yet
          stack.push_back({entry, current.state});
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
    if (stack.size() > best.size() || blocked_at_best < 0) {
      best.clear();
      for (const auto& f : stack) best.push_back(list[f.call].op);
      blocked_at_best = n.op;
    }
    if (stack.empty()) {
      result.linearizable = false;
      result.explanation = explain(ops, best, blocked_at_best);
      return result;
    }
    const Frame f = stack.back();
    stack.pop_back();
    set_bit(current.bits, list[f.call].op, false);
    current.state = f.state;
    list.unlift(f.call);
    entry = list[f.call].next;
  }
  return result;
}

}  // namespace

std::string CheckResult::summary() const {
  std::string s = linearizable ? "linearizable" : (decided ? "NOT linearizable" : "undecided");
  std::size_t ops = 0;
  for (const auto& k : keys) ops += k.operations;
  s += " (" + std::to_string(keys.size()) + " keys, " + std::to_string(ops) + " operations)";
  for (const auto& k : keys) {
    if (!k.linearizable || !k.decided) s += "\nkey " + k.key + ": " + k.explanation;
  }
  return s;
}

CheckResult check_linearizable(const History& history, const CheckOptions& options) {
  std::map<std::string, std::vector<const Operation*>> by_key;
  for (const auto& op : history.operations()) {
    if (op.outcome == Outcome::kFail) continue;                            // had no effect
    if (op.kind == OpKind::kRead && op.outcome != Outcome::kOk) continue;  // observed nothing we know
    by_key[op.key].push_back(&op);
  }
  CheckResult out;
  for (const auto& [key, ops] : by_key) {
    KeyResult k = check_key(key, ops, options);
    out.linearizable = out.linearizable && k.linearizable && k.decided;
    out.decided = out.decided && k.decided;
    out.keys.push_back(std::move(k));
  }
  return out;
}

}  // namespace amino::checker
