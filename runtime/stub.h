// A remote reference to a microservice. Calls go through the client side of the microservice's DM
// chain (outer DM first). Stubs are cheap to copy; they block the calling execution context.
#pragma once

#include <memory>
#include <string>

#include "runtime/codec.h"
#include "runtime/status.h"
#include "runtime/time.h"
#include "runtime/value.h"

namespace amino {

class ClientChain;

class Stub {
 public:
  Stub() = default;
  explicit Stub(std::shared_ptr<ClientChain> chain) : chain_(std::move(chain)) {}

  bool valid() const { return chain_ != nullptr; }
  const std::string& id() const;

  // Never throws: the outcome is in the Reply (app errors and system errors kept apart).
  // timeout 0 means the kernel's default call timeout.
  Reply invoke(const std::string& method, ValueList args, Duration timeout = 0) const;

  // Typed call: throws AppError for application exceptions, SystemError otherwise.
  template <typename R = Value, typename... A> R call(const std::string& method, const A&... args) const {
    Value v = unwrap(invoke(method, ValueList{to_value(args)...}));
    if constexpr (std::is_void_v<R>) {
      return;
    } else {
      return from_value<R>(v);
    }
  }

 private:
  std::shared_ptr<ClientChain> chain_;
};

}  // namespace amino
