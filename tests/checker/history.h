// A history of operations on a key-value store, as a Jepsen client sees it: each operation is
// invoked by a process at some (simulated) time and completes with ok (it happened, with this
// result), fail (it certainly did not happen) or info (unknown: it timed out and may or may not
// have taken effect, at any time after its invocation). Checked by linearizability.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/time.h"

namespace amino::checker {

enum class OpKind { kRead, kWrite, kCas };
enum class Outcome { kPending, kOk, kFail, kInfo };

struct Operation {
  int id = 0;
  int process = 0;
  OpKind kind = OpKind::kRead;
  std::string key;
  // write: the value written; cas: the new value; read: the value read (once ok).
  // nullopt for a read means "the key was absent" (the register's initial state).
  std::optional<std::string> value;
  std::optional<std::string> expected;  // cas only
  bool cas_succeeded = false;           // cas only, once ok
  Outcome outcome = Outcome::kPending;
  Time invoked = 0;
  Time completed = 0;  // meaningless while pending or info
  std::string to_string() const;
};

class History {
 public:
  // Invocations return the operation's id, which the completion calls take.
  int invoke_read(int process, std::string key, Time at);
  int invoke_write(int process, std::string key, std::string value, Time at);
  int invoke_cas(int process, std::string key, std::string expected, std::string value, Time at);

  void ok_read(int op, std::optional<std::string> value, Time at);
  void ok(int op, Time at);                        // write
  void ok_cas(int op, bool succeeded, Time at);
  void fail(int op, Time at);                      // certainly had no effect
  void info(int op, Time at);                      // unknown: may have taken effect

  const std::vector<Operation>& operations() const { return ops_; }
  std::size_t size() const { return ops_.size(); }
  // One line per operation, in invocation order (for failure reports).
  std::string to_string() const;

 private:
  int add(Operation op);
  Operation& completing(int op, Time at, Outcome outcome);
  std::vector<Operation> ops_;
};

}  // namespace amino::checker
