// A simulated disk for one host: the runtime's MemoryStorage (buffered writes until sync(), a
// crash loses unsynced writes, torn-write and wipe faults). It outlives node incarnations: it is
// the host's disk, not the process's memory.
#pragma once

#include "runtime/memory_storage.h"

namespace amino::sim {

using SimStorage = MemoryStorage;

}  // namespace amino::sim
