// Errors. Application exceptions and system errors are kept apart all the way from the object to
// the caller (Amino.Run PR #136): DMs retry system errors and must never retry or mask app errors.
#pragma once

#include <stdexcept>
#include <string>

#include "runtime/value.h"

namespace amino {

enum class Code {
  kOk = 0,
  kAppError,          // the application method threw; never retried by DMs
  kTimeout,           // the deadline passed with no answer (peer dead, partitioned, slow)
  kUnreachable,       // the connection to the peer broke (reset)
  kNoSuchObject,      // stale location: ask the OMS and retry
  kMigrating,         // object is quiesced for migration: retry shortly
  kNoSuchMethod,
  kBadArguments,      // wrong number or types of arguments
  kNoSuchMicroService,
  kNoSuchClass,
  kBadSpec,           // spec could not be parsed or validated
  kPlacement,         // no node satisfies the placement constraints
  kOverloaded,        // per-object concurrency gate full
  kBadFrame,          // malformed wire frame
  kNotLeader,         // replicated DMs: ask someone else (the message may carry a hint)
  kUnavailable,       // the DM cannot serve right now (no lease, no quorum ...)
  kAborted,           // a DM or the runtime gave up on this call
  kInternal,
  kSessionExpired,    // a retry older than the DM's duplicate-suppression window: rejected, not applied
};

const char* code_name(Code c);
// A code read off the wire or out of stored state; anything unknown becomes kInternal.
Code code_from_int(std::int64_t c);
// Errors a DM may transparently retry because the call did not (or may not have) run.
bool is_retryable(Code c);

struct Status {
  Code code = Code::kOk;
  std::string message;
  std::string app_type;  // for kAppError: the exception's type name
  bool ok() const { return code == Code::kOk; }
  std::string to_string() const;
};

// The outcome of one invocation as it travels through DM chains: a value or a status.
struct Reply {
  Status status;
  Value value;
  static Reply ok(Value v) { return Reply{Status{}, std::move(v)}; }
  static Reply error(Code c, std::string msg) { return Reply{Status{c, std::move(msg), {}}, {}}; }
  bool ok() const { return status.ok(); }
};

// Thrown to application code (stub callers). SystemError carries the runtime's Code.
class SystemError : public std::runtime_error {
 public:
  SystemError(Code code, const std::string& msg)
      : std::runtime_error(std::string(code_name(code)) + ": " + msg), code_(code) {}
  Code code() const { return code_; }

 private:
  Code code_;
};

// An application exception raised by a remote method, re-thrown at the caller.
class AppError : public std::runtime_error {
 public:
  AppError(std::string type, const std::string& msg)
      : std::runtime_error(type + ": " + msg), type_(std::move(type)), message_(msg) {}
  const std::string& type() const { return type_; }
  const std::string& message() const { return message_; }

 private:
  std::string type_;
  std::string message_;
};

// Turns a failed Reply into the matching exception; returns the value of a good one.
Value unwrap(Reply r);

}  // namespace amino
