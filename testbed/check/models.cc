// The built-in sequential models (model.h lists their operations).
#include <algorithm>
#include <charconv>
#include <functional>
#include <limits>
#include <stdexcept>

#include "testbed/check/model.h"

namespace amino::check {

namespace {

[[noreturn]] void bad(const Operation& op, const std::string& model, const std::string& what) {
  throw std::invalid_argument("operation #" + std::to_string(op.id) + " (" + op.f + "): " + what + " [model " + model + "]");
}

// The model's operations; `unknown_f` for anything else.
int code_of(const Operation& op, const std::string& model, std::initializer_list<const char*> fs) {
  int i = 0;
  std::string known;
  for (const char* f : fs) {
    if (op.f == f) return i;
    known += (i++ ? ", " : "") + std::string(f);
  }
  bad(op, model, "unknown operation for this model (it knows " + known + ")");
}

// A JSON integer that fits in 64 bits, or `bad` naming `what`.
std::int64_t int64_of(const Operation& op, const std::string& model, const Json& v, const std::string& what) {
  if (!v.is_number_integer() ||
      (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX))) {
    bad(op, model, what + " must be a 64-bit integer");
  }
  return v.get<std::int64_t>();
}

// register: the state is the value's compact JSON text; "null" is absent (the initial state).
class RegisterModel final : public Model {
 public:
  enum { kRead, kWrite, kCas };
  std::string name() const override { return "register"; }
  Call compile(const Operation& op) const override {
    Call c;
    c.code = code_of(op, name(), {"read", "write", "cas"});
    c.known = op.outcome == Outcome::kOk;
    switch (c.code) {
      case kRead: c.a = op.output.dump(); break;
      case kWrite: c.a = op.input.dump(); break;
      case kCas:
        if (!op.input.is_array() || op.input.size() != 2) bad(op, name(), "cas wants the value [expected, new]");
        c.a = op.input[0].dump();
        c.b = op.input[1].dump();
        break;
    }
    return c;
  }
  bool read_only(const Call& c) const override { return c.code == kRead; }
  std::string init() const override { return "null"; }
  bool step(const std::string& state, const Call& c, std::string* next) const override {
    switch (c.code) {
      case kRead: *next = state; return state == c.a;
      case kWrite: *next = c.a; return true;
      default:  // cas: an ok one swapped, so the state matched; an unknown one swapped iff it matched
        if (state == c.a) {
          *next = c.b;
          return true;
        }
        *next = state;
        return !c.known;
    }
  }
};

// kv: one key's string value ("" when absent).
class KvModel final : public Model {
 public:
  enum { kGet, kPut, kAppend };
  std::string name() const override { return "kv"; }
  Call compile(const Operation& op) const override {
    Call c;
    c.code = code_of(op, name(), {"get", "put", "append"});
    c.known = op.outcome == Outcome::kOk;
    const Json& v = c.code == kGet ? op.output : op.input;
    if (c.code == kGet && !c.known) return c;  // dropped: an unknown get observed nothing
    if (!v.is_string()) bad(op, name(), c.code == kGet ? "get's ok value must be a string" : op.f + " wants a string value");
    c.a = v.get<std::string>();
    return c;
  }
  bool read_only(const Call& c) const override { return c.code == kGet; }
  std::string init() const override { return ""; }
  bool step(const std::string& state, const Call& c, std::string* next) const override {
    switch (c.code) {
      case kGet: *next = state; return state == c.a;
      case kPut: *next = c.a; return true;
      default: *next = state + c.a; return true;
    }
  }
  std::string describe_state(const std::string& state) const override { return Json(state).dump(); }
};

// A model whose read answers the whole state (in the model's state encoding, `Call::a`) and whose
// other operations update it: a read is possible exactly when it shows the state, and changes nothing.
class WholeStateReadModel : public Model {
 public:
  bool read_only(const Call& c) const final { return c.code == read_code_; }
  bool step(const std::string& state, const Call& c, std::string* next) const final {
    if (c.code == read_code_) {
      *next = state;
      return state == c.a;
    }
    return update(state, c, next);
  }

 protected:
  explicit WholeStateReadModel(int read_code) : read_code_(read_code) {}
  // An update `c` from `state`: false when it cannot have happened (then `next` is unused).
  virtual bool update(const std::string& state, const Call& c, std::string* next) const = 0;

 private:
  int read_code_;
};

// counter: the count as decimal text.
class CounterModel final : public WholeStateReadModel {
 public:
  enum { kAdd, kRead };
  CounterModel() : WholeStateReadModel(kRead) {}
  std::string name() const override { return "counter"; }
  Call compile(const Operation& op) const override {
    Call c;
    c.code = code_of(op, name(), {"add", "read"});
    c.known = op.outcome == Outcome::kOk;
    const Json& v = c.code == kRead ? op.output : op.input;
    if (c.code == kRead && !c.known) return c;
    c.a = std::to_string(int64_of(op, name(), v, c.code == kRead ? "read's ok value" : "add's value"));
    return c;
  }
  std::string init() const override { return "0"; }
  bool update(const std::string& state, const Call& c, std::string* next) const override {
    std::int64_t sum;
    if (__builtin_add_overflow(std::stoll(state), std::stoll(c.a), &sum)) return false;
    *next = std::to_string(sum);
    return true;
  }
};

// set: the elements' compact JSON texts, sorted and unique, one per line (JSON text has no raw newline).
class SetModel final : public WholeStateReadModel {
 public:
  enum { kAdd, kRead };
  SetModel() : WholeStateReadModel(kRead) {}
  std::string name() const override { return "set"; }
  Call compile(const Operation& op) const override {
    Call c;
    c.code = code_of(op, name(), {"add", "read"});
    c.known = op.outcome == Outcome::kOk;
    if (c.code == kAdd) {
      c.a = op.input.dump();
      return c;
    }
    if (!c.known) return c;
    if (!op.output.is_array()) bad(op, name(), "read's ok value must be an array of the elements");
    std::vector<std::string> elems;
    for (const auto& e : op.output) elems.push_back(e.dump());
    c.a = encode(std::move(elems));
    return c;
  }
  std::string init() const override { return ""; }
  bool update(const std::string& state, const Call& c, std::string* next) const override {
    std::vector<std::string> elems = decode(state);
    elems.push_back(c.a);
    *next = encode(std::move(elems));
    return true;
  }
  std::string describe_state(const std::string& state) const override {
    std::string s = "#{";
    for (const auto& e : decode(state)) s += (s.size() > 2 ? " " : "") + e;
    return s + "}";
  }

 private:
  static std::string encode(std::vector<std::string> elems) {
    std::sort(elems.begin(), elems.end());
    elems.erase(std::unique(elems.begin(), elems.end()), elems.end());
    std::string s;
    for (const auto& e : elems) s += e + "\n";
    return s;
  }
  static std::vector<std::string> decode(const std::string& state) {
    std::vector<std::string> elems;
    std::size_t at = 0;
    while (at < state.size()) {
      const std::size_t nl = state.find('\n', at);
      elems.push_back(state.substr(at, nl - at));
      at = nl + 1;
    }
    return elems;
  }
};

// list-append: the list as compact JSON text.
class ListAppendModel final : public WholeStateReadModel {
 public:
  enum { kAppend, kRead };
  ListAppendModel() : WholeStateReadModel(kRead) {}
  std::string name() const override { return "list-append"; }
  Call compile(const Operation& op) const override {
    Call c;
    c.code = code_of(op, name(), {"append", "read"});
    c.known = op.outcome == Outcome::kOk;
    if (c.code == kAppend) {
      c.a = op.input.dump();
      return c;
    }
    if (!c.known) return c;
    if (!op.output.is_array()) bad(op, name(), "read's ok value must be the list as an array");
    c.a = op.output.dump();
    return c;
  }
  std::string init() const override { return "[]"; }
  bool update(const std::string& state, const Call& c, std::string* next) const override {
    // Appending to compact JSON text: "[]" -> "[x]", "[a,b]" -> "[a,b,x]".
    *next = state.substr(0, state.size() - 1) + (state.size() > 2 ? "," : "") + c.a + "]";
    return true;
  }
};

// bank: accounts' balances as decimal integers separated by spaces ("" before open). open
// ([accounts, balance]) sets every balance; transfer ([from, to, amount]) moves amount when both
// accounts exist, amount >= 0 and `from` holds it (an ok transfer did; a fail one changed nothing);
// read (ok value = every balance, an array). Any serial order conserves the total, so a read that
// sees money created or lost is not linearizable.
class BankModel final : public WholeStateReadModel {
 public:
  enum { kOpen, kTransfer, kRead };
  BankModel() : WholeStateReadModel(kRead) {}
  static constexpr std::int64_t kMaxAccounts = 1024;
  std::string name() const override { return "bank"; }
  Call compile(const Operation& op) const override {
    Call c;
    c.code = code_of(op, name(), {"open", "transfer", "read"});
    c.known = op.outcome == Outcome::kOk;
    if (c.code == kRead) {
      if (!c.known) return c;
      if (!op.output.is_array()) bad(op, name(), "read's ok value must be the balances as an array");
      c.a = encode(ints(op, op.output, "read's balances"));
      return c;
    }
    const std::size_t arity = c.code == kOpen ? 2 : 3;
    if (!op.input.is_array() || op.input.size() != arity) {
      bad(op, name(), c.code == kOpen ? "open wants [accounts, balance]" : "transfer wants [from, to, amount]");
    }
    const auto v = ints(op, op.input, "arguments");
    if (c.code == kOpen && (v[0] < 0 || v[0] > kMaxAccounts)) bad(op, name(), "open: accounts must be 0..1024");
    c.a = encode(v);
    return c;
  }
  std::string init() const override { return ""; }
  bool update(const std::string& state, const Call& c, std::string* next) const override {
    const auto args = decode(c.a);
    if (c.code == kOpen) {
      *next = encode(std::vector<std::int64_t>(static_cast<std::size_t>(args[0]), args[1]));
      return true;
    }
    auto balances = decode(state);
    const auto n = static_cast<std::int64_t>(balances.size());
    const std::int64_t from = args[0], to = args[1], amount = args[2];
    std::int64_t credited;
    const bool possible = from >= 0 && from < n && to >= 0 && to < n && amount >= 0 &&
                          balances[static_cast<std::size_t>(from)] >= amount &&
                          !__builtin_add_overflow(balances[static_cast<std::size_t>(to)], amount, &credited);
    if (!possible) {  // the object answers false and changes nothing: an ok (true) answer is impossible
      *next = state;
      return !c.known;
    }
    balances[static_cast<std::size_t>(from)] -= amount;
    balances[static_cast<std::size_t>(to)] += amount;
    *next = encode(balances);
    return true;
  }
  std::string describe_state(const std::string& state) const override {
    std::string out = "[";
    for (char ch : state) out += ch == ' ' ? ',' : ch;
    return out + "]";
  }

 private:
  static std::vector<std::int64_t> ints(const Operation& op, const Json& array, const char* what) {
    std::vector<std::int64_t> out;
    for (const Json& v : array) out.push_back(int64_of(op, "bank", v, what));
    return out;
  }
  static std::string encode(const std::vector<std::int64_t>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? " " : "") + std::to_string(v[i]);
    return out;
  }
  static std::vector<std::int64_t> decode(const std::string& s) {
    std::vector<std::int64_t> out;
    const char* p = s.data();
    const char* end = p + s.size();
    while (p < end) {
      std::int64_t v = 0;
      p = std::from_chars(p, end, v).ptr;
      out.push_back(v);
      if (p < end) ++p;  // the space
    }
    return out;
  }
};

struct Entry {
  const char* name;
  std::function<std::unique_ptr<Model>()> make;
};
const std::vector<Entry>& entries() {
  static const std::vector<Entry> all = {
      {"register", [] { return std::make_unique<RegisterModel>(); }},
      {"kv", [] { return std::make_unique<KvModel>(); }},
      {"counter", [] { return std::make_unique<CounterModel>(); }},
      {"set", [] { return std::make_unique<SetModel>(); }},
      {"list-append", [] { return std::make_unique<ListAppendModel>(); }},
      {"bank", [] { return std::make_unique<BankModel>(); }},
  };
  return all;
}

}  // namespace

std::unique_ptr<Model> make_model(const std::string& name) {
  std::string known;
  for (const auto& e : entries()) {
    if (name == e.name) return e.make();
    known += (known.empty() ? "" : ", ") + std::string(e.name);
  }
  throw std::invalid_argument("unknown model \"" + name + "\" (known: " + known + ")");
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& e : entries()) names.emplace_back(e.name);
  return names;
}

}  // namespace amino::check
