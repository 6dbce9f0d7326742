#include "runtime/status.h"

namespace amino {

const char* code_name(Code c) {
  switch (c) {
    case Code::kOk: return "OK";
    case Code::kAppError: return "APP_ERROR";
    case Code::kTimeout: return "TIMEOUT";
    case Code::kUnreachable: return "UNREACHABLE";
    case Code::kNoSuchObject: return "NO_SUCH_OBJECT";
    case Code::kMigrating: return "MIGRATING";
    case Code::kNoSuchMethod: return "NO_SUCH_METHOD";
    case Code::kBadArguments: return "BAD_ARGUMENTS";
    case Code::kNoSuchMicroService: return "NO_SUCH_MICROSERVICE";
    case Code::kNoSuchClass: return "NO_SUCH_CLASS";
    case Code::kBadSpec: return "BAD_SPEC";
    case Code::kPlacement: return "PLACEMENT";
    case Code::kOverloaded: return "OVERLOADED";
    case Code::kBadFrame: return "BAD_FRAME";
    case Code::kNotLeader: return "NOT_LEADER";
    case Code::kUnavailable: return "UNAVAILABLE";
    case Code::kAborted: return "ABORTED";
    case Code::kInternal: return "INTERNAL";
    case Code::kSessionExpired: return "SESSION_EXPIRED";
  }
  return "UNKNOWN";
}

Code code_from_int(std::int64_t c) {
  return (c < 0 || c > static_cast<std::int64_t>(Code::kSessionExpired)) ? Code::kInternal : static_cast<Code>(c);
}

bool is_retryable(Code c) {
  switch (c) {
    case Code::kTimeout:
    case Code::kUnreachable:
    case Code::kNoSuchObject:
    case Code::kMigrating:
    case Code::kOverloaded:
    case Code::kNotLeader:
    case Code::kUnavailable:
      return true;
    default:
      return false;
  }
}

std::string Status::to_string() const {
  std::string s = code_name(code);
  if (!app_type.empty()) s += " " + app_type;
  if (!message.empty()) s += ": " + message;
  return s;
}

Value unwrap(Reply r) {
  if (r.ok()) return std::move(r.value);
  if (r.status.code == Code::kAppError) throw AppError(r.status.app_type, r.status.message);
  throw SystemError(r.status.code, r.status.message);
}

}  // namespace amino
