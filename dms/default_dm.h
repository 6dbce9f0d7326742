// DefaultDM — Amino.Run's DefaultPolicy.
// Guarantee: none beyond the kernel's: calls are forwarded to one replica; a client whose replica
//   disappears (failure, termination) asks the group for another on its next call.
// Tolerates: migration (the kernel repairs stale locations); nothing else.
// Config keys: none.
#pragma once

#include "runtime/dm.h"

namespace amino::dms {

DmDescriptor default_dm();

}  // namespace amino::dms
