// Changes of the OMS's replicated state (runtime/oms_state.cc: a map of sections, each a map from
// a record's key to the record) as log commands: the records a change set or removed, section by
// section. Applying the delta of (a, b) to a gives b exactly; every replica applies the same
// deltas in log order, so every replica's state is the same at the same index.
#pragma once

#include "runtime/value.h"

namespace amino::replicated_oms {

// {"set": {section: {key: record}}, "del": {section: [key...]}}; an empty map when a == b.
Value state_delta(const Value& from, const Value& to);
bool delta_empty(const Value& delta);
// Throws SystemError (kBadArguments) on a malformed delta, before changing anything.
void apply_delta(Value& state, const Value& delta);

}  // namespace amino::replicated_oms
