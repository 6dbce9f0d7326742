#include "tests/kernel/test_apps.h"

namespace amino::testing {

std::vector<std::string>& trace_log() {
  static std::vector<std::string> log;
  return log;
}

namespace {

void record(const std::string& what) { trace_log().push_back(what); }

class TraceClient : public ClientDM {
 public:
  explicit TraceClient(std::string n) : n_(std::move(n)) {}
  void on_create(ClientContext&) override { record(n_ + ".client.on_create"); }
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    record(n_ + ".client.on_rpc " + inv.method);
    if (!server_.valid()) server_ = ctx.ref_request();
    Reply r = ctx.forward(server_, inv);
    if (r.status.code == Code::kNoSuchObject || r.status.code == Code::kTimeout) server_ = {};
    return r;
  }

 private:
  std::string n_;
  ReplicaRef server_;
};

class TraceServer : public ServerDM {
 public:
  explicit TraceServer(std::string n) : n_(std::move(n)) {}
  void on_create(ServerContext& ctx) override { record(n_ + ".server.on_create@" + ctx.env().self()); }
  void on_destroy(ServerContext& ctx) override { record(n_ + ".server.on_destroy@" + ctx.env().self()); }
  Reply on_rpc(Invocation& inv, ServerContext& ctx) override {
    record(n_ + ".server.on_rpc " + inv.method);
    if (inv.method == "where") {  // "where" doubles as a probe of server <-> group notifications
      Reply g = ctx.notify_group(Value("from-server"));
      if (!g.ok()) return g;
    }
    return ctx.next(inv);
  }
  void on_membership_change(ServerContext&, const std::vector<ReplicaRef>& m) override {
    record(n_ + ".server.on_membership_change " + std::to_string(m.size()));
  }
  Value on_notification(ServerContext&, const Value& msg) override {
    record(n_ + ".server.on_notification " + msg.to_string());
    return Value("server-ack");
  }
  void on_low_memory(ServerContext&) override { record(n_ + ".server.on_low_memory"); }

 private:
  std::string n_;
};

class TraceGroup : public GroupDM {
 public:
  explicit TraceGroup(std::string n) : n_(std::move(n)) {}
  void on_create(GroupContext& ctx, const ReplicaRef& first) override {
    record(n_ + ".group.on_create");
    const auto want = ctx.config().at("replicas").as_int();
    for (std::int64_t i = 1; i < want; ++i) ctx.replicate(first, "");
  }
  void on_destroy(GroupContext&) override { record(n_ + ".group.on_destroy"); }
  ReplicaRef on_ref_request(GroupContext& ctx, const NodeId& client) override {
    record(n_ + ".group.on_ref_request");
    return GroupDM::on_ref_request(ctx, client);
  }
  void on_failure(GroupContext&, const ReplicaRef& dead) override {
    record(n_ + ".group.on_failure@" + dead.node);
  }
  Value on_notification(GroupContext& ctx, const Value& msg) override {
    record(n_ + ".group.on_notification " + msg.to_string());
    for (const auto& r : ctx.replicas()) (void)ctx.notify_server(r, Value("from-group"));
    return Value("group-ack");
  }
  void on_low_memory(GroupContext&, const ReplicaRef&) override { record(n_ + ".group.on_low_memory"); }
  void on_high_latency(GroupContext&, const ReplicaRef&, const NodeId& client, Duration) override {
    record(n_ + ".group.on_high_latency from " + client);
  }

 private:
  std::string n_;
};

}  // namespace

DmDescriptor trace_dm(const std::string& name) {
  DmDescriptor d;
  d.name = name;
  d.summary = "records its upcalls (tests)";
  d.config = {ConfigKey{"replicas", Value::Kind::kInt, Value(1), "replicas the group keeps"}};
  d.make_client = [name] { return std::make_unique<TraceClient>(name); };
  d.make_server = [name] { return std::make_unique<TraceServer>(name); };
  d.make_group = [name] { return std::make_unique<TraceGroup>(name); };
  return d;
}

}  // namespace amino::testing
