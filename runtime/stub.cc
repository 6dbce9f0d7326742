#include "runtime/stub.h"

#include "runtime/client_chain.h"

namespace amino {

const std::string& Stub::id() const {
  static const std::string kNone;
  return chain_ ? chain_->id() : kNone;
}

Reply Stub::invoke(const std::string& method, ValueList args, Duration timeout) const {
  if (!chain_) return Reply::error(Code::kNoSuchMicroService, "empty stub");
  return chain_->invoke(method, std::move(args), timeout);
}

}  // namespace amino
