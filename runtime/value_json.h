// Value <-> JSON (nlohmann), for command-line tools, Python and result files. Bytes become
// {"$bytes": "<hex>"}; integers stay integers. Nesting is bounded by kMaxValueDepth (runtime/limits.h).
#pragma once

#include <nlohmann/json.hpp>

#include <string_view>

#include "runtime/value.h"

namespace amino {

nlohmann::json to_json(const Value& v);
// Throws LimitExceeded for a value nested deeper than kMaxValueDepth containers.
Value from_json(const nlohmann::json& j);
// Parses JSON text into a Value. Throws std::invalid_argument for malformed JSON and LimitExceeded
// (before building anything deeper) for nesting beyond kMaxValueDepth.
Value parse_json_value(std::string_view text);
// Parses JSON text with the same guard (LimitExceeded before building a container nested deeper than
// kMaxValueDepth; std::invalid_argument for malformed JSON), without converting it to a Value: for
// readers of other JSON documents (histories).
nlohmann::json parse_json_bounded(std::string_view text);

}  // namespace amino
