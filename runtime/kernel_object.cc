#include "runtime/kernel_object.h"

#include <algorithm>

#include "runtime/kernel.h"
#include "runtime/wire.h"

namespace amino {

// A DM server component plus the library calls it may make (ServerContext).
class KernelObject::Level : public ServerContext {
 public:
  Level(KernelObject& owner, int level, const DmDescriptor& d, const StackLevel& spec)
      : owner_(owner), level_(level), desc_(d), config_(spec.config), dm_(d.make_server()) {
    self_.rid = spec.rid;
    self_.gid = spec.gid;
    self_.node = owner.kernel_.env().self();
    self_.oid = owner.oid();
  }

  ServerDM& dm() { return *dm_; }

  Env& env() override { return owner_.kernel_.env(); }
  const DmConfig& config() const override { return config_; }
  const ReplicaRef& self() const override { return self_; }
  int level() const override { return level_; }
  bool recovered() const override { return owner_.recovered_; }
  Reply next(Invocation& inv) override { return owner_.call_level(level_ - 1, inv); }
  Value snapshot_object() override { return owner_.obj_->snapshot(); }
  void restore_object(const Value& state) override { owner_.obj_->restore(state); }

  ReplicaRef replicate(const NodeId& where) override {
    Reply r = owner_.kernel_.oms_call(svc::kServerReplicate,
                                      ValueMap{{"gid", self_.gid}, {"rid", self_.rid}, {"node", where}});
    return r.ok() ? ReplicaRef::from_value(r.value) : ReplicaRef{};
  }
  void pin(const NodeId& node) override { async_group_op(svc::kServerPin, node); }
  void terminate() override { async_group_op(svc::kServerTerminate, ""); }
  std::vector<NodeInfo> nodes(const NodeSelector& selector) override {
    std::vector<NodeInfo> out;
    Reply r = owner_.kernel_.oms_call(svc::kNodes, ValueMap{{"selector", selector_to_value(selector)}});
    if (r.ok()) {
      for (const auto& n : r.value.as_list()) out.push_back(node_info_from_value(n));
    }
    return out;
  }
  std::vector<std::string> regions() override {
    std::vector<std::string> out;
    for (const auto& n : nodes({})) {
      if (std::find(out.begin(), out.end(), n.region) == out.end()) out.push_back(n.region);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string region() override { return owner_.kernel_.options().region; }
  Metrics metrics() override { return owner_.metrics_; }
  std::vector<ReplicaRef> replicas() override {
    std::vector<ReplicaRef> out;
    Reply r = owner_.kernel_.oms_call(svc::kReplicas, ValueMap{{"gid", self_.gid}});
    if (r.ok()) {
      for (const auto& x : r.value.as_list()) out.push_back(ReplicaRef::from_value(x));
    }
    return out;
  }
  Reply send_to_peer(const ReplicaRef& peer, const Value& msg, Duration timeout) override {
    Value body = ValueMap{{"oid", static_cast<std::int64_t>(peer.oid)},
                          {"level", static_cast<std::int64_t>(level_)},
                          {"from", self_.to_value()},
                          {"msg", msg}};
    return owner_.kernel_.rpc().call_value(peer.node, svc::kPeerMessage, body, timeout);
  }
  Reply notify_group(const Value& msg) override {
    return owner_.kernel_.oms_call(svc::kGroupNotify, ValueMap{{"gid", self_.gid}, {"msg", msg}});
  }

 private:
  // pin/terminate move or remove this very chain, which must first drain the calls in flight —
  // possibly including the caller's. So they are requested in a separate context and return at once.
  void async_group_op(const char* service, const NodeId& node) {
    Kernel& k = owner_.kernel_;
    Value body = ValueMap{{"gid", self_.gid}, {"rid", self_.rid}, {"node", node}};
    k.env().spawn(service, [&k, service, body] { (void)k.oms_call(service, body); });
  }

  KernelObject& owner_;
  int level_;
  const DmDescriptor& desc_;
  DmConfig config_;
  std::unique_ptr<ServerDM> dm_;
  ReplicaRef self_;
};

KernelObject::KernelObject(Kernel& kernel, StackSpec spec, const ClassInfo& cls,
                           std::unique_ptr<MicroService> obj)
    : kernel_(kernel), spec_(std::move(spec)), cls_(cls), obj_(std::move(obj)) {
  obj_->runtime_ = &kernel_;
  for (std::size_t i = 0; i < spec_.levels.size(); ++i) {
    const DmDescriptor* d = kernel_.dms().find(spec_.levels[i].dm);
    if (d == nullptr) throw SystemError(Code::kBadSpec, "unknown DM " + spec_.levels[i].dm);
    levels_.push_back(std::make_unique<Level>(*this, static_cast<int>(i), *d, spec_.levels[i]));
  }
}

KernelObject::~KernelObject() = default;

void KernelObject::start() {
  for (int i = levels() - 1; i >= 0; --i) levels_[i]->dm().on_create(*levels_[i]);
}

void KernelObject::destroy() {
  if (destroyed_) return;
  destroyed_ = true;
  for (int i = 0; i < levels(); ++i) levels_[i]->dm().on_destroy(*levels_[i]);
}

Reply KernelObject::call_level(int level, Invocation& inv) {
  if (level < 0) return cls_.invoke(*obj_, inv.method, inv.args);
  Level& l = *levels_[level];
  try {
    return l.dm().on_rpc(inv, l);
  } catch (const SystemError& e) {
    return Reply::error(e.code(), "DM " + spec_.levels[level].dm + ": " + e.what());
  } catch (const std::exception& e) {
    return Reply::error(Code::kInternal, "DM " + spec_.levels[level].dm + " threw: " + e.what());
  }
}

Reply KernelObject::invoke(Invocation& inv, std::size_t bytes_in, std::string* reply_body) {
  if (quiesced_ || destroyed_) {
    return Reply::error(Code::kMigrating, "object " + std::to_string(oid()) + " is moving");
  }
  if (in_flight_ >= kernel_.options().max_concurrent_calls) {
    return Reply::error(Code::kOverloaded, "object " + std::to_string(oid()) + " has " +
                                               std::to_string(in_flight_) + " calls in flight");
  }
  const MethodInfo* m = cls_.method(inv.method);
  if (m != nullptr) inv.read_only = m->read_only;
  const Time start = kernel_.env().now();
  ++in_flight_;
  Reply r = call_level(levels() - 1, inv);
  --in_flight_;
  CallerMetrics& cm = metrics_[inv.caller];
  ++cm.calls;
  cm.total_ns += kernel_.env().now() - start;
  cm.bytes_in += bytes_in;
  if (r.ok()) {
    *reply_body = wire::encode_value(r.value);
    cm.bytes_out += reply_body->size();
  }
  return r;
}

bool KernelObject::quiesce(Time deadline) {
  quiesced_ = true;
  Env& env = kernel_.env();
  while (in_flight_ > 0) {
    if (env.now() >= deadline) return false;
    env.sleep_for(std::min<Duration>(kMillisecond, deadline - env.now()));
  }
  return true;
}

StackState KernelObject::state() const {
  StackState s;
  s.object = obj_->snapshot();
  for (const auto& l : levels_) s.dm_states.push_back(l->dm().snapshot());
  return s;
}

void KernelObject::restore(const StackState& s) {
  obj_->restore(s.object);
  for (std::size_t i = 0; i < levels_.size() && i < s.dm_states.size(); ++i) {
    levels_[i]->dm().restore(s.dm_states[i]);
  }
}

void KernelObject::membership_changed(int level, const std::vector<ReplicaRef>& members) {
  if (level >= 0 && level < levels()) levels_[level]->dm().on_membership_change(*levels_[level], members);
}

Value KernelObject::notify_server(int level, const Value& msg) {
  if (level < 0 || level >= levels()) throw SystemError(Code::kBadArguments, "no DM level " + std::to_string(level));
  return levels_[level]->dm().on_notification(*levels_[level], msg);
}

Reply KernelObject::peer_message(int level, const ReplicaRef& from, const Value& msg) {
  if (level < 0 || level >= levels()) return Reply::error(Code::kBadArguments, "no DM level " + std::to_string(level));
  if (destroyed_) return Reply::error(Code::kNoSuchObject, "object destroyed");
  return levels_[level]->dm().on_message(*levels_[level], from, msg);
}

void KernelObject::low_memory() {
  for (int i = 0; i < levels(); ++i) levels_[i]->dm().on_low_memory(*levels_[i]);
}

}  // namespace amino
