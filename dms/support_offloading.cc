// The offloading DMs' shared parts (declared in dms/support.h): the server and group parts both
// use, and the client base that routes a call to the side its subclass chooses.
#include <algorithm>
#include <map>

#include "dms/support.h"

namespace amino::dms {
namespace offloading {

namespace {

// Control calls from the offloading client to the device replica's server.
constexpr const char* kPush = "__amino.offload.push";  // [cloud ref]: bring the cloud up to date
constexpr const char* kAdopt = "__amino.offload.adopt";  // [cloud ref, state, version]: take it
// Client -> cloud replica: run [method, read_only, args] and, after a mutating call, return the new
// state with the result, so the device catches up without a second round trip to the cloud.
constexpr const char* kRun = "__amino.offload.run";

bool failed_system(const Reply& r) { return !r.ok() && r.status.code != Code::kAppError; }

class OffloadServer : public ServerDM {
 public:
  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    if (inv.method == kPush) return push(ReplicaRef::from_value(inv.args.at(0)), ctx);
    if (inv.method == kAdopt) {
      adopt(ctx, inv.args.at(1), inv.args.at(2).as_int());
      peer_version_[ReplicaRef::from_value(inv.args.at(0)).rid] = inv.args.at(2).as_int();
      return Reply::ok({});
    }
    if (inv.method == kRun) return run_offloaded(inv, ctx);
    Reply r = ctx.next(inv);
    if (!inv.read_only) ++version_;  // even a throwing method may have changed fields
    return r;
  }

  Reply on_message(ServerContext& ctx, const ReplicaRef&, const Value& msg) override {
    const std::string& op = msg.at("op").as_string();
    if (op == "install") {
      adopt(ctx, msg.at("state"), msg.at("version").as_int());
      return Reply::ok({});
    }
    return Reply::error(Code::kBadArguments, "offloading: unknown peer message " + op);
  }

  Value snapshot() const override { return ValueMap{{"version", version_}}; }
  void restore(const Value& v) override { version_ = v.at("version").as_int(); }

 private:
  Duration sync_timeout(ServerContext& ctx) const {
    return millis(ctx.config().at("syncTimeoutMs").as_int());
  }

  Reply push(const ReplicaRef& cloud, ServerContext& ctx) {
    auto known = peer_version_.find(cloud.rid);
    if (known != peer_version_.end() && known->second >= version_) return Reply::ok({});
    const std::int64_t sent = version_;
    Reply r = ctx.send_to_peer(cloud, ValueMap{{"op", "install"}, {"state", ctx.snapshot_object()}, {"version", sent}},
                               sync_timeout(ctx));
    if (r.ok()) peer_version_[cloud.rid] = sent;
    return r;
  }

  // On the cloud replica. A system failure stays a failure (the client falls back to the device);
  // a result or an application error travels as a value, with the state after a mutating call.
  Reply run_offloaded(Invocation& wrapped, ServerContext& ctx) {
    Invocation inv = wrapped;
    inv.method = wrapped.args.at(0).as_string();
    inv.read_only = wrapped.args.at(1).as_bool();
    inv.args = wrapped.args.at(2).as_list();
    Reply r = ctx.next(inv);
    if (!inv.read_only) ++version_;
    if (failed_system(r)) return r;
    ValueMap out{{"code", static_cast<std::int64_t>(r.status.code)}, {"message", r.status.message},
                 {"app_type", r.status.app_type}, {"value", r.value}};
    if (!inv.read_only) {
      out["state"] = ctx.snapshot_object();
      out["version"] = version_;
    }
    return Reply::ok(std::move(out));
  }

  // Versions only grow: an older state arriving late never overwrites a newer one.
  void adopt(ServerContext& ctx, const Value& state, std::int64_t v) {
    if (v <= version_) return;
    ctx.restore_object(state);
    version_ = v;
  }

  std::int64_t version_ = 0;
  std::map<std::string, std::int64_t> peer_version_;  // by replica id: what that peer holds
};

class OffloadGroup : public GroupDM {
 public:
  void on_create(GroupContext& ctx, const ReplicaRef& first) override {
    device_rid_ = first.rid;
    if (is_live_server(ctx, ctx.creator())) {
      (void)pin_if_elsewhere(ctx, first, ctx.creator(), "offloading");
    } else {
      ctx.env().log(LogLevel::kWarn, "offloading: creator '" + ctx.creator() + "' is not a kernel server; " +
                                         "the device replica stays on " + first.node);
    }
    add_cloud_replica(ctx);
  }

  void on_failure(GroupContext& ctx, const ReplicaRef& dead) override {
    if (dead.rid == cloud_rid_) add_cloud_replica(ctx);
  }

  // A suspected cloud replica that on_failure already replaced stays out: one cloud copy at a time.
  bool on_rejoin(GroupContext&, const ReplicaRef& returned) override {
    return returned.rid == device_rid_ || returned.rid == cloud_rid_;
  }

  ReplicaRef on_ref_request(GroupContext& ctx, const NodeId&) override { return find(ctx, device_rid_); }

  Value on_notification(GroupContext& ctx, const Value&) override {
    const ReplicaRef device = find(ctx, device_rid_);
    if (device.valid() && !find(ctx, cloud_rid_).valid()) add_cloud_replica(ctx);
    const ReplicaRef cloud = find(ctx, cloud_rid_);
    return ValueMap{{"device", device.valid() ? device.to_value() : Value()},
                    {"cloud", cloud.valid() ? cloud.to_value() : Value()}};
  }

 private:
  static ReplicaRef find(GroupContext& ctx, const std::string& rid) {
    for (const ReplicaRef& r : ctx.replicas()) {
      if (r.rid == rid) return r;
    }
    return {};
  }

  void add_cloud_replica(GroupContext& ctx) {
    const ReplicaRef device = find(ctx, device_rid_);
    if (!device.valid()) return;
    std::vector<NodeInfo> cloud = labelled_nodes(ctx, ctx.config().at("cloudLabelKey").as_string(),
                                                 ctx.config().at("cloudLabelValue").as_string(), {});
    std::erase_if(cloud, [&](const NodeInfo& n) { return n.id == device.node; });
    if (cloud.empty()) {
      ctx.env().log(LogLevel::kWarn, "offloading: no live cloud node for " + ctx.group_id() + "; calls stay on the device");
      return;
    }
    const auto i = ctx.env().rng().uniform_int(0, static_cast<std::int64_t>(cloud.size()) - 1);
    const ReplicaRef r = ctx.replicate(device, cloud[static_cast<std::size_t>(i)].id);
    if (r.valid()) cloud_rid_ = r.rid;
  }

  std::string device_rid_, cloud_rid_;
};

// Config keys of both offloading DMs.
std::vector<ConfigKey> common_config() {
  return {ConfigKey{"cloudLabelKey", Value::Kind::kString, Value("tier"), "node label marking cloud servers"},
          ConfigKey{"cloudLabelValue", Value::Kind::kString, Value("cloud"), "value of that label"},
          ConfigKey{"cloudRetryMs", Value::Kind::kInt, Value(5000), "how long a failed cloud replica is avoided", Value(0), Value(kMaxTimeoutMs)},
          ConfigKey{"syncTimeoutMs", Value::Kind::kInt, Value(2000), "deadline of one state push to the cloud replica", Value(1), Value(kMaxTimeoutMs)}};
}

}  // namespace

DmDescriptor base_descriptor() {
  DmDescriptor d;
  d.category = "placement";
  d.guarantee =
      "Two physical replicas. The device replica lives on the creator's node when that is a live kernel server "
      "(pinned there at creation, like KeepInPlace; otherwise it stays where the OMS put it); the cloud "
      "replica is replicated onto a live kernel server labelled cloudLabelKey=cloudLabelValue. The device "
      "replica is the authority on the state: before a call runs on the cloud, the device pushes its state to "
      "the cloud if the cloud is behind (no transfer when nothing changed); after a mutating call ran on the "
      "cloud, the cloud returns its new state with the result and the device adopts it before the call "
      "returns, so the device is current whenever a call has returned. If the device cannot adopt it, the call "
      "is run again on the device, which therefore never misses an acknowledged effect. This is linearizable "
      "for calls that do not overlap in time (the intended use: the device's own app calling its object).";
  d.tolerates =
      "Loss or partition of the cloud replica: an offloaded call gets half of its remaining time on the cloud; "
      "on a system error or no answer by then it runs on the device, and the cloud is avoided for "
      "cloudRetryMs. A failed cloud replica is replaced by the group (a copy of the device replica on another "
      "cloud node); until then calls run on the device. Not the device's loss: the object belongs to the "
      "device.";
  d.caveats =
      "Overlapping mutating calls on different sides may lose one effect (the newer version wins). Effects "
      "outside the object (nested calls) of a call re-run on the device happen twice.";
  d.config = common_config();
  d.make_server = [] { return std::make_unique<OffloadServer>(); };
  d.make_group = [] { return std::make_unique<OffloadGroup>(); };
  return d;
}

Reply Client::on_rpc(Invocation& inv, ClientContext& ctx) {
  if (auto handled = intercept(inv, ctx)) return *handled;
  if (!sides_known_ && !learn_sides(ctx)) return Reply::error(Code::kUnavailable, "no device replica of " + ctx.microservice());
  if (cloud_usable(ctx) && choose(inv, ctx) == Side::kCloud) {
    const Time start = ctx.env().now();
    Reply r = run_on_cloud(inv, ctx);
    if (!failed_system(r)) {
      observe(inv, Side::kCloud, ctx.env().now() - start, ctx);
      return r;
    }
    cloud_failed(ctx, r.status);  // and run it on the device instead
  }
  const Time start = ctx.env().now();
  Reply r = ctx.forward(device_, inv);
  if (failed_system(r)) {
    sides_known_ = false;  // ask the group again next time (the device may have moved)
  } else {
    observe(inv, Side::kDevice, ctx.env().now() - start, ctx);
  }
  return r;
}

bool Client::learn_sides(ClientContext& ctx) {
  Reply r = ctx.notify_group(ValueMap{{"op", "sides"}});
  if (!r.ok() || r.value.at("device").is_null()) return false;
  device_ = ReplicaRef::from_value(r.value.at("device"));
  const Value& cloud = r.value.at("cloud");
  cloud_ = cloud.is_null() ? ReplicaRef{} : ReplicaRef::from_value(cloud);
  // No cloud replica right now: ask the group again only after a retry period.
  if (!cloud_.valid()) cloud_down_until_ = deadline_after(ctx.env().now(), millis(ctx.config().at("cloudRetryMs").as_int()));
  sides_known_ = true;
  return true;
}

bool Client::cloud_usable(ClientContext& ctx) {
  if (ctx.env().now() < cloud_down_until_) return false;
  if (!cloud_.valid()) learn_sides(ctx);  // the group may have made a new cloud replica since
  return cloud_.valid();
}

void Client::cloud_failed(ClientContext& ctx, const Status& why) {
  ctx.env().log(LogLevel::kInfo, "offloading: cloud replica " + cloud_.rid + " failed (" + why.to_string() +
                                     "); running on the device");
  cloud_ = {};
  cloud_down_until_ = deadline_after(ctx.env().now(), millis(ctx.config().at("cloudRetryMs").as_int()));
}

Reply Client::run_on_cloud(Invocation& inv, ClientContext& ctx) {
  Reply pushed = control(kPush, cloud_, inv.deadline, ctx);
  if (!pushed.ok()) return pushed;
  // The cloud gets half of the time left, so a dead or cut-off cloud leaves the device time to
  // run the call itself.
  Invocation offloaded = inv;
  offloaded.method = kRun;
  offloaded.args = {Value(inv.method), Value(inv.read_only), Value(inv.args)};
  offloaded.deadline = ctx.env().now() + (inv.deadline - ctx.env().now()) / 2;
  Reply wrapped = ctx.forward(cloud_, offloaded);
  if (failed_system(wrapped)) return wrapped;
  const Value& w = wrapped.value;
  Reply r{Status{code_from_int(w.at("code").as_int()), w.at("message").as_string(), w.at("app_type").as_string()},
          w.at("value")};
  if (inv.read_only) return r;
  // The device replica is on this node (or near it): adopting the state is a local call.
  Reply adopted = control(kAdopt, {cloud_.to_value(), w.at("state"), w.at("version")}, inv.deadline, ctx);
  if (!adopted.ok()) {
    return Reply::error(Code::kUnavailable, "the device could not take the offloaded call's state: " +
                                                adopted.status.to_string());
  }
  return r;
}

Reply Client::control(const char* method, const ReplicaRef& peer, Time deadline, ClientContext& ctx) {
  return control(method, ValueList{peer.to_value()}, deadline, ctx);
}

Reply Client::control(const char* method, ValueList args, Time deadline, ClientContext& ctx) {
  Invocation inv;
  inv.method = method;
  inv.args = std::move(args);
  inv.caller = ctx.env().self();
  inv.deadline = deadline;
  return ctx.forward(device_, inv);
}

}  // namespace offloading

}  // namespace amino::dms
