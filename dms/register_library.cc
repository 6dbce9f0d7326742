// Registration of the primitive, caching, serializability and mobility DMs, their categories
// (mutually exclusive within one chain: placement, caching) and rules.
#include "dms/all.h"
#include "dms/at_least_once_rpc.h"
#include "dms/code_offloading.h"
#include "dms/consistent_caching.h"
#include "dms/dynamic_migration.h"
#include "dms/explicit_caching.h"
#include "dms/explicit_code_offloading.h"
#include "dms/explicit_migration.h"
#include "dms/immutable.h"
#include "dms/keep_in_cloud.h"
#include "dms/keep_in_place.h"
#include "dms/keep_on_device.h"
#include "dms/lease_caching.h"
#include "dms/serializable_rpc.h"
#include "dms/write_through_caching.h"

namespace amino::dms {

namespace {

// Rules for pairs in different categories that still cannot work together.
void forbid_library_pairs(DmRegistry& r) {
  const char* caches[] = {"Immutable", "LeaseCaching", "WriteThroughCaching", "ExplicitCaching", "ConsistentCaching"};
  const char* offloaders[] = {"ExplicitCodeOffloading", "CodeOffloading"};
  for (const char* cache : caches) {
    for (const char* off : offloaders) {
      r.forbid(cache, off,
               "the cache answers calls from a local copy on the client, so the offloading DM never "
               "gets to choose where they run");
      r.forbid(off, cache,
               "the cache would run the offloaded call on a copy on the client node, defeating the "
               "device/cloud choice, and its copy would bypass the offloading state sync");
    }
  }
}

}  // namespace

void register_library(DmRegistry& registry) {
  registry.add(at_least_once_rpc());
  registry.add(immutable());
  registry.add(keep_in_place());
  registry.add(keep_in_cloud());
  registry.add(keep_on_device());
  registry.add(lease_caching());
  registry.add(write_through_caching());
  registry.add(explicit_caching());
  registry.add(consistent_caching());
  registry.add(serializable_rpc());
  registry.add(explicit_migration());
  registry.add(dynamic_migration());
  registry.add(explicit_code_offloading());
  registry.add(code_offloading());
  registry.describe_category("placement",
                             "each one's group decides where the replicas live (pins them), so two of them would "
                             "move the object against each other");
  registry.describe_category("caching",
                             "each answers calls from its own local copy on the client; a second cache behind the "
                             "first would never see those calls");
  forbid_library_pairs(registry);
}

}  // namespace amino::dms
