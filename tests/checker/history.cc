#include "tests/checker/history.h"

#include <stdexcept>

namespace amino::checker {

namespace {
std::string show(const std::optional<std::string>& v) { return v ? "\"" + *v + "\"" : "nil"; }

const char* outcome_name(Outcome o) {
  switch (o) {
    case Outcome::kPending: return "pending";
    case Outcome::kOk: return "ok";
    case Outcome::kFail: return "fail";
    case Outcome::kInfo: return "info";
  }
  return "?";
}
}  // namespace

std::string Operation::to_string() const {
  std::string s = "#" + std::to_string(id) + " p" + std::to_string(process) + " ";
  switch (kind) {
    case OpKind::kRead: s += "read " + key + " -> " + (outcome == Outcome::kOk ? show(value) : "?"); break;
    case OpKind::kWrite: s += "write " + key + " " + show(value); break;
    case OpKind::kCas:
      s += "cas " + key + " " + show(expected) + "->" + show(value);
      if (outcome == Outcome::kOk) s += cas_succeeded ? " (swapped)" : " (no swap)";
      break;
  }
  s += " [" + std::to_string(to_millis(invoked)) + " ms";
  if (outcome == Outcome::kOk || outcome == Outcome::kFail) s += ", " + std::to_string(to_millis(completed)) + " ms";
  return s + "] " + outcome_name(outcome);
}

int History::add(Operation op) {
  op.id = static_cast<int>(ops_.size());
  ops_.push_back(std::move(op));
  return ops_.back().id;
}

int History::invoke_read(int process, std::string key, Time at) {
  Operation op;
  op.process = process;
  op.kind = OpKind::kRead;
  op.key = std::move(key);
  op.invoked = at;
  return add(std::move(op));
}

int History::invoke_write(int process, std::string key, std::string value, Time at) {
  Operation op;
  op.process = process;
  op.kind = OpKind::kWrite;
  op.key = std::move(key);
  op.value = std::move(value);
  op.invoked = at;
  return add(std::move(op));
}

int History::invoke_cas(int process, std::string key, std::string expected, std::string value, Time at) {
  Operation op;
  op.process = process;
  op.kind = OpKind::kCas;
  op.key = std::move(key);
  op.expected = std::move(expected);
  op.value = std::move(value);
  op.invoked = at;
  return add(std::move(op));
}

Operation& History::completing(int op, Time at, Outcome outcome) {
  if (op < 0 || static_cast<std::size_t>(op) >= ops_.size()) throw std::out_of_range("no operation " + std::to_string(op));
  Operation& o = ops_[static_cast<std::size_t>(op)];
  if (o.outcome != Outcome::kPending) throw std::logic_error("operation completed twice: " + o.to_string());
  if (at < o.invoked) throw std::logic_error("operation completes before its invocation: " + o.to_string());
  o.outcome = outcome;
  o.completed = at;
  return o;
}

void History::ok_read(int op, std::optional<std::string> value, Time at) {
  Operation& o = completing(op, at, Outcome::kOk);
  if (o.kind != OpKind::kRead) throw std::logic_error("ok_read on " + o.to_string());
  o.value = std::move(value);
}

void History::ok(int op, Time at) {
  Operation& o = completing(op, at, Outcome::kOk);
  if (o.kind != OpKind::kWrite) throw std::logic_error("ok on a non-write " + o.to_string());
}

void History::ok_cas(int op, bool succeeded, Time at) {
  Operation& o = completing(op, at, Outcome::kOk);
  if (o.kind != OpKind::kCas) throw std::logic_error("ok_cas on " + o.to_string());
  o.cas_succeeded = succeeded;
}

void History::fail(int op, Time at) { completing(op, at, Outcome::kFail); }
void History::info(int op, Time at) { completing(op, at, Outcome::kInfo); }

std::string History::to_string() const {
  std::string out;
  for (const auto& o : ops_) out += o.to_string() + "\n";
  return out;
}

}  // namespace amino::checker
