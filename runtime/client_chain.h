// The client side of one microservice's DM chain on one node. It mirrors the group tree: the
// outermost DM's client picks a replica; when that replica is logical (realized by an inner group)
// the call continues in the inner DM's client for that replica, created on first use; the
// innermost client's pick is a physical replica, reached by a kernel RPC.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "runtime/dm.h"
#include "runtime/spec.h"

namespace amino {

class Kernel;

class ClientChain {
 public:
  ClientChain(Kernel& kernel, std::string ms, MicroServiceSpec spec, std::string root_gid);
  ~ClientChain();

  const std::string& id() const { return ms_; }
  const MicroServiceSpec& spec() const { return spec_; }
  Reply invoke(const std::string& method, ValueList args, Duration timeout);

 private:
  class Node;
  // A method some DM of the chain intercepts (DmDescriptor::control_methods).
  bool is_control_method(const std::string& method) const;
  Kernel& kernel_;
  std::string ms_;
  MicroServiceSpec spec_;
  const class ClassInfo* cls_;  // may be null: a pure client need not link the class
  std::unique_ptr<Node> root_;
};

}  // namespace amino
