#include "dms/explicit_code_offloading.h"

#include <set>

#include "dms/code_offloading.h"

namespace amino::dms {

namespace {

class ExplicitOffloadingClient : public offloading::Client {
 public:
  void on_create(ClientContext& ctx) override {
    for (const Value& m : ctx.config().at("offloadMethods").as_list()) offloaded_.insert(m.as_string());
  }

 protected:
  offloading::Side choose(const Invocation& inv, ClientContext&) override {
    const bool marked = offloaded_.count(inv.method) != 0 || offloaded_.count("*") != 0;
    return marked ? offloading::Side::kCloud : offloading::Side::kDevice;
  }

  std::optional<Reply> intercept(Invocation& inv, ClientContext& ctx) override {
    if (inv.method != ctx.config().at("controlMethod").as_string()) return std::nullopt;
    if (inv.args.size() != 2 || !inv.args[0].is<std::string>() || !inv.args[1].is<bool>()) {
      return Reply::error(Code::kBadArguments, inv.method + " takes [method name, bool]");
    }
    const std::string& method = inv.args[0].as_string();
    if (inv.args[1].as_bool()) {
      offloaded_.insert(method);
    } else {
      offloaded_.erase(method);
    }
    return Reply::ok({});
  }

 private:
  std::set<std::string> offloaded_;
};

}  // namespace

DmDescriptor explicit_code_offloading() {
  DmDescriptor d;
  d.name = "ExplicitCodeOffloading";
  d.category = "placement";
  d.summary = "methods marked for offloading run on a cloud replica, the rest on the device";
  d.config = offloading::common_config();
  d.config.push_back(ConfigKey{"offloadMethods", Value::Kind::kList, Value(ValueList{}), "methods run in the cloud"});
  d.config.push_back(ConfigKey{"controlMethod", Value::Kind::kString, Value("setOffloaded"), "run-time switch"});
  d.make_client = [] { return std::make_unique<ExplicitOffloadingClient>(); };
  d.make_server = offloading::make_server;
  d.make_group = offloading::make_group;
  return d;
}

}  // namespace amino::dms
