#include "dms/explicit_code_offloading.h"

#include <set>

#include "dms/support.h"

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
  DmDescriptor d = offloading::base_descriptor();  // placement, state sync, common keys
  d.name = "ExplicitCodeOffloading";
  d.summary = "methods marked for offloading run on a cloud replica, the rest on the device";
  d.paper = "ExplicitCodeOffloading";
  d.source = "dms/explicit_code_offloading.h";
  // How this DM chooses the side, then what both offloading DMs guarantee.
  d.guarantee =
      "A call runs on the cloud replica exactly when its method is marked for offloading and the cloud replica "
      "is usable; otherwise on the device replica. Methods are marked in the spec (offloadMethods) or at run "
      "time per client by calling the method named controlMethod with [method name, bool]; the name \"*\" "
      "stands for every method."
      " " +
      d.guarantee;
  d.caveats =
      "The control call is intercepted and never reaches the object, but the class must declare it (the "
      "kernel's stub rejects undeclared methods)."
      " " +
      d.caveats;
  d.config.push_back(ConfigKey{"offloadMethods", Value::Kind::kList, Value(ValueList{}), "methods to run in the cloud (\"*\": every method)"});
  d.config.push_back(ConfigKey{"controlMethod", Value::Kind::kString, Value("setOffloaded"), "the intercepted run-time switch: call it with [method name, bool]"});
  d.make_client = [] { return std::make_unique<ExplicitOffloadingClient>(); };
  return d;
}

}  // namespace amino::dms
