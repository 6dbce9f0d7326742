#include "runtime/oms_naming.h"

namespace amino {

MicroServiceRec& Naming::add(MicroServiceSpec spec, NodeId creator) {
  MicroServiceRec ms;
  ms.id = core_.next_id("ms");
  ms.name = spec.name;
  ms.spec = std::move(spec);
  ms.creator = std::move(creator);
  const std::string id = ms.id;
  return services_.emplace(id, std::move(ms)).first->second;
}

MicroServiceRec* Naming::find(const std::string& id_or_name) {
  auto n = names_.find(id_or_name);
  auto it = services_.find(n == names_.end() ? id_or_name : n->second);
  return (it == services_.end() || it->second.destroyed) ? nullptr : &it->second;
}

const MicroServiceRec* Naming::find_id(const std::string& id) const {
  auto it = services_.find(id);
  return it == services_.end() ? nullptr : &it->second;
}

Status Naming::set_name(MicroServiceRec& ms, const std::string& name, const NodeId& by) {
  if (!ms.name.empty() && ms.name != name) return Status{Code::kBadArguments, "name is set already: " + ms.name, {}};
  auto taken = names_.find(name);
  if (taken != names_.end() && taken->second != ms.id) return Status{Code::kBadArguments, "name taken: " + name, {}};
  ms.name = name;
  names_[name] = ms.id;
  core_.record("microservice " + ms.id + " named '" + name + "' by " + by);
  return {};
}

bool Naming::release(MicroServiceRec& ms) {
  if (--ms.refs > 0) return false;
  ms.destroyed = true;
  if (!ms.name.empty()) names_.erase(ms.name);
  return true;
}

Value Naming::acquired(const MicroServiceRec& ms) {
  return ValueMap{{"ms", ms.id}, {"spec", ms.spec.to_value()}, {"root_gid", ms.root_gid}};
}

}  // namespace amino
