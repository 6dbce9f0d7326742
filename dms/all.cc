#include "dms/all.h"

#include "dms/default_dm.h"

namespace amino::dms {

void register_all(DmRegistry& registry) {
  registry.add(default_dm());
  register_library(registry);
  register_replication(registry);
  register_amino_run(registry);
  register_transactions(registry);
  register_checkpoint(registry);
}

const DmRegistry& builtin() {
  static const DmRegistry registry = [] {
    DmRegistry r;
    register_all(r);
    return r;
  }();
  return registry;
}

}  // namespace amino::dms
