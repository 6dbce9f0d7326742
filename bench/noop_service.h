// The no-op microservice every runtime benchmark calls: its method does nothing, so a call's cost
// is the runtime's (stub, DM chain, kernel RPC, transport) and nothing else.
#pragma once

#include <cstdint>

#include "runtime/microservice.h"

namespace amino::bench {

class Noop : public MicroService {
 public:
  std::int64_t noop() const { return 0; }
  static void describe(ClassBuilder<Noop>& c) { c.reads("noop", &Noop::noop); }
};

}  // namespace amino::bench
