// The OMS's naming: the microservices it created, their names and reference counts. A
// microservice's group tree (its replicas) belongs to the groups (oms_groups.h); naming only
// records the root group and says when the last reference is gone.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "runtime/oms_core.h"
#include "runtime/spec.h"

namespace amino {

struct MicroServiceRec {
  std::string id, name, root_gid;
  NodeId creator;
  MicroServiceSpec spec;
  int refs = 1;
  bool destroyed = false;
};

class Naming {
 public:
  explicit Naming(OmsCore& core) : core_(core) {}

  // A new microservice (one reference, no name bound yet: bind_name once it exists).
  MicroServiceRec& add(MicroServiceSpec spec, NodeId creator);
  void bind_name(const MicroServiceRec& ms) { names_[ms.name] = ms.id; }
  bool name_taken(const std::string& name) const { return names_.count(name) != 0; }

  // A live microservice by id or name, or nullptr.
  MicroServiceRec* find(const std::string& id_or_name);
  // Any microservice by id, destroyed ones included (their groups may outlive them briefly).
  const MicroServiceRec& at(const std::string& id) const { return services_.at(id); }
  const MicroServiceRec* find_id(const std::string& id) const;

  // Names a microservice once (renaming to the same name is fine).
  Status set_name(MicroServiceRec& ms, const std::string& name, const NodeId& by);
  // One reference fewer; true when it was the last (the caller destroys the group tree).
  bool release(MicroServiceRec& ms);

  // What acquire/attach answer: id, spec and root group.
  static Value acquired(const MicroServiceRec& ms);

  // The replicated state (oms_state.cc): microservices by id (names are derived from them).
  Value export_state() const;
  void import_state(const Value& services);

 private:
  OmsCore& core_;
  std::map<std::string, MicroServiceRec> services_;
  std::map<std::string, std::string> names_;
  std::vector<std::map<std::string, MicroServiceRec>::node_type> parked_;  // see import_state
};

}  // namespace amino
