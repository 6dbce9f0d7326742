// Registration of the primitive, caching, serializability and mobility DMs and their rules.
#include "dms/all.h"

namespace amino::dms {

void register_library(DmRegistry&) {}

}  // namespace amino::dms
