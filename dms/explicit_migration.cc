#include "dms/explicit_migration.h"

#include "dms/support.h"

namespace amino::dms {

namespace {

// Group replies travel as Values: {code, message}; code 0 is success.
Value status_value(const Status& s) {
  return ValueMap{{"code", static_cast<std::int64_t>(s.code)}, {"message", s.message}};
}
Reply reply_from(const Value& v) {
  const auto code = code_from_int(v.at("code").as_int());
  return code == Code::kOk ? Reply::ok({}) : Reply::error(code, v.at("message").as_string());
}

class ExplicitMigrationClient : public ClientDM {
 public:
  Reply on_rpc(Invocation& inv, ClientContext& ctx) override {
    if (inv.method != ctx.config().at("migrateMethod").as_string()) return forward_->on_rpc(inv, ctx);
    if (inv.args.size() != 1 || !inv.args[0].is<std::string>()) {
      return Reply::error(Code::kBadArguments, inv.method + " takes one argument: the target node id");
    }
    Reply r = ctx.notify_group(ValueMap{{"op", "migrate"}, {"node", inv.args[0]}});
    return r.ok() ? reply_from(r.value) : r;
  }

 private:
  std::unique_ptr<ClientDM> forward_ = make_forwarding_client();  // everything else: as DefaultDM
};

class ExplicitMigrationGroup : public GroupDM {
 public:
  Value on_notification(GroupContext& ctx, const Value& msg) override {
    const Value* op = msg.find("op");
    if (op == nullptr || !op->is<std::string>() || op->as_string() != "migrate") {
      return status_value(Status{Code::kBadArguments, "ExplicitMigration: unknown request " + msg.to_string(), {}});
    }
    return status_value(migrate(ctx, msg.at("node").as_string()));
  }

 private:
  static Status migrate(GroupContext& ctx, const NodeId& node) {
    if (!is_live_server(ctx, node, ctx.selector())) {
      return Status{Code::kPlacement, node + " is not a live kernel server satisfying " + ctx.selector().to_string(), {}};
    }
    for (const ReplicaRef& r : ctx.replicas()) {
      Status s = pin_if_elsewhere(ctx, r, node, "ExplicitMigration", migrate_options(ctx.config()));
      if (!s.ok()) return s;
    }
    return {};
  }
};

}  // namespace

DmDescriptor explicit_migration() {
  DmDescriptor d;
  d.name = "ExplicitMigration";
  d.category = "placement";
  d.summary = "a migrateTo(node) call moves the object there";
  d.paper = "ExplicitMigration";
  d.source = "dms/explicit_migration.h";
  d.guarantee =
      "A call to the method named by migrateMethod (one argument: the target node id) is intercepted by the "
      "client and never reaches the object: the client asks the group (notify_group), which checks that the "
      "target is a live kernel server satisfying the spec's nodeSelector and pins the group's replicas there "
      "(by stop-and-copy, or by pre-copy live migration with liveMigration) before replying. The call returns null on success, kPlacement for a bad target, or the "
      "migration's error. Every other call is forwarded unchanged.";
  d.tolerates = "Nothing beyond the kernel; callers keep working through a move (location repair).";
  d.caveats =
      "The application class must declare the method (the kernel's stub rejects undeclared methods before any "
      "DM sees them); its body never runs under this DM.";
  d.config = {ConfigKey{"migrateMethod", Value::Kind::kString, Value("migrateTo"), "the intercepted method's name (one argument: the target node id)"}};
  for (ConfigKey& k : live_migration_config_keys()) d.config.push_back(std::move(k));
  d.make_client = [] { return std::make_unique<ExplicitMigrationClient>(); };
  d.make_server = [] { return std::make_unique<ServerDM>(); };
  d.make_group = [] { return std::make_unique<ExplicitMigrationGroup>(); };
  return d;
}

}  // namespace amino::dms
