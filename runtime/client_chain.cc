#include "runtime/client_chain.h"

#include "runtime/kernel.h"
#include "runtime/microservice.h"
#include "runtime/protocol.h"

namespace amino {

namespace {

// A local copy of the application object for caching/offloading DMs.
class ObjectCopy : public LocalCopy {
 public:
  ObjectCopy(const ClassInfo& cls, std::unique_ptr<MicroService> obj) : cls_(cls), obj_(std::move(obj)) {}
  Reply invoke(const Invocation& inv) override { return cls_.invoke(*obj_, inv.method, inv.args); }
  Value snapshot() const override { return obj_->snapshot(); }
  void restore(const Value& state) override { obj_->restore(state); }

 private:
  const ClassInfo& cls_;
  std::unique_ptr<MicroService> obj_;
};

}  // namespace

class ClientChain::Node : public ClientContext {
 public:
  Node(ClientChain& chain, int level, std::string gid) : chain_(chain), level_(level), gid_(std::move(gid)) {
    const DmSpec& d = chain_.spec_.dms.at(static_cast<std::size_t>(level_));
    config_ = d.config;
    const DmDescriptor* desc = chain_.kernel_.dms().find(d.name);
    if (desc == nullptr) throw SystemError(Code::kBadSpec, "unknown DM " + d.name);
    dm_ = desc->make_client();
    dm_->on_create(*this);
  }

  Reply rpc(Invocation& inv) {
    try {
      return dm_->on_rpc(inv, *this);
    } catch (const SystemError& e) {
      return Reply::error(e.code(), e.what());
    } catch (const std::exception& e) {
      return Reply::error(Code::kInternal, std::string("client DM threw: ") + e.what());
    }
  }

  Env& env() override { return chain_.kernel_.env(); }
  const DmConfig& config() const override { return config_; }
  const std::string& group_id() const override { return gid_; }
  const std::string& microservice() const override { return chain_.ms_; }

  ReplicaRef ref_request() override {
    Reply r = chain_.kernel_.oms_call(svc::kRefRequest, ValueMap{{"gid", gid_}, {"client", env().self()}});
    return r.ok() ? ReplicaRef::from_value(r.value) : ReplicaRef{};
  }
  std::vector<ReplicaRef> replicas() override {
    std::vector<ReplicaRef> out;
    Reply r = chain_.kernel_.oms_call(svc::kReplicas, ValueMap{{"gid", gid_}});
    if (r.ok()) {
      for (const auto& x : r.value.as_list()) out.push_back(ReplicaRef::from_value(x));
    }
    return out;
  }
  Reply forward(const ReplicaRef& to, Invocation& inv) override {
    if (!to.valid()) return Reply::error(Code::kUnavailable, "no replica to forward to");
    if (inv.deadline <= env().now()) return Reply::error(Code::kTimeout, "deadline passed before forwarding");
    if (to.physical()) return chain_.kernel_.invoke_remote(to, gid_, inv);
    auto it = children_.find(to.rid);
    if (it == children_.end()) {
      it = children_.emplace(to.rid, std::make_unique<Node>(chain_, level_ + 1, to.child_gid)).first;
    }
    return it->second->rpc(inv);
  }
  Reply notify_group(const Value& msg) override {
    return chain_.kernel_.oms_call(svc::kGroupNotify, ValueMap{{"gid", gid_}, {"msg", msg}});
  }
  Reply fetch_state(const ReplicaRef& from) override {
    return chain_.kernel_.rpc().call_value(from.node, svc::kSnapshot,
                                           ValueMap{{"oid", static_cast<std::int64_t>(from.oid)}},
                                           chain_.kernel_.options().control_timeout);
  }
  std::unique_ptr<LocalCopy> make_local_copy(const Value& state) override {
    if (chain_.cls_ == nullptr) {
      throw SystemError(Code::kNoSuchClass, "class " + chain_.spec_.class_name + " is not linked on " + env().self());
    }
    auto obj = chain_.cls_->instantiate_empty();
    bind_runtime(*obj, &chain_.kernel_);  // a copy's nested calls and compute() run on this node
    obj->restore(state);
    return std::make_unique<ObjectCopy>(*chain_.cls_, std::move(obj));
  }

 private:
  ClientChain& chain_;
  int level_;
  std::string gid_;
  DmConfig config_;
  std::unique_ptr<ClientDM> dm_;
  std::map<std::string, std::unique_ptr<Node>> children_;  // by replica id
};

ClientChain::ClientChain(Kernel& kernel, std::string ms, MicroServiceSpec spec, std::string root_gid)
    : kernel_(kernel), ms_(std::move(ms)), spec_(std::move(spec)), cls_(kernel.classes().find(spec_.class_name)) {
  root_ = std::make_unique<Node>(*this, 0, std::move(root_gid));
}

ClientChain::~ClientChain() = default;

bool ClientChain::is_control_method(const std::string& method) const {
  for (const DmSpec& d : spec_.dms) {
    const DmDescriptor* desc = kernel_.dms().find(d.name);
    if (desc == nullptr || !desc->control_methods) continue;
    for (const std::string& m : desc->control_methods(d.config)) {
      if (m == method) return true;
    }
  }
  return false;
}

Reply ClientChain::invoke(const std::string& method, ValueList args, Duration timeout) {
  Invocation inv;
  inv.method = method;
  inv.args = std::move(args);
  if (cls_ != nullptr) {
    const MethodInfo* m = cls_->method(method);
    if (m == nullptr && !is_control_method(method)) {
      return Reply::error(Code::kNoSuchMethod, spec_.class_name + " has no method " + method);
    }
    inv.read_only = m != nullptr && m->read_only;
  }
  inv.caller = kernel_.env().self();
  inv.session = kernel_.env().session();
  inv.call_id = kernel_.next_call_id();
  inv.deadline = deadline_after(kernel_.env().now(), timeout > 0 ? timeout : kernel_.options().call_timeout);
  return root_->rpc(inv);
}

}  // namespace amino
