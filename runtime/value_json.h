// Value <-> JSON (nlohmann), for command-line tools, Python and result files. Bytes become
// {"$bytes": "<hex>"}; integers stay integers.
#pragma once

#include <nlohmann/json.hpp>

#include "runtime/value.h"

namespace amino {

nlohmann::json to_json(const Value& v);
Value from_json(const nlohmann::json& j);

}  // namespace amino
