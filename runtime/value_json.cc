#include "runtime/value_json.h"

#include <limits>
#include <stdexcept>
#include <string>

#include "runtime/limits.h"

namespace amino {

namespace {
std::string hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}
// Strict: a "$bytes" string that is not whole hex pairs is an error, not silently truncated bytes.
std::string unhex(const std::string& h) {
  auto nibble = [&](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("$bytes must be hex digits, got '" + std::string(1, c) + "'");
  };
  if (h.size() % 2 != 0) throw std::invalid_argument("$bytes must have an even number of hex digits");
  std::string out;
  out.reserve(h.size() / 2);
  for (std::size_t i = 0; i < h.size(); i += 2) out.push_back(static_cast<char>(nibble(h[i]) * 16 + nibble(h[i + 1])));
  return out;
}
}  // namespace

nlohmann::json to_json(const Value& v) {
  using K = Value::Kind;
  switch (v.kind()) {
    case K::kNull: return nullptr;
    case K::kBool: return v.as<bool>();
    case K::kInt: return v.as<std::int64_t>();
    case K::kDouble: return v.as<double>();
    case K::kString: return v.as<std::string>();
    case K::kBytes: return nlohmann::json{{"$bytes", hex(v.as<Bytes>().data)}};
    case K::kList: {
      auto a = nlohmann::json::array();
      for (const auto& x : v.as<ValueList>()) a.push_back(to_json(x));
      return a;
    }
    case K::kMap: {
      auto o = nlohmann::json::object();
      for (const auto& [k, x] : v.as<ValueMap>()) o[k] = to_json(x);
      return o;
    }
  }
  return nullptr;
}

namespace {

[[noreturn]] void too_deep() {
  throw LimitExceeded("JSON value nested deeper than " + std::to_string(kMaxValueDepth) + " levels", "kMaxValueDepth",
                      kMaxValueDepth);
}

// `depth`: containers enclosing j. Checked before recursing, so the stack stays bounded.
Value from_json_at(const nlohmann::json& j, int depth) {
  if (j.is_structured() && depth >= kMaxValueDepth) too_deep();
  if (j.is_null()) return {};
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_unsigned()) {  // before is_number_integer, which is true for unsigned numbers too
    // Values hold signed 64-bit integers; wrapping 2^64-1 to -1 would be a silently wrong answer.
    const std::uint64_t u = j.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      throw std::invalid_argument("integer " + std::to_string(u) + " does not fit in a signed 64-bit integer");
    return static_cast<std::int64_t>(u);
  }
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (j.is_number_float()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  if (j.is_array()) {
    ValueList l;
    for (const auto& x : j) l.push_back(from_json_at(x, depth + 1));
    return l;
  }
  if (j.size() == 1 && j.contains("$bytes") && j["$bytes"].is_string()) return Bytes{unhex(j["$bytes"].get<std::string>())};
  ValueMap m;
  for (auto it = j.begin(); it != j.end(); ++it) m.emplace(it.key(), from_json_at(it.value(), depth + 1));
  return m;
}

}  // namespace

Value from_json(const nlohmann::json& j) { return from_json_at(j, 0); }

nlohmann::json parse_json_bounded(std::string_view text) {
  // The callback sees each container open with the number of containers around it and stops the
  // parse there, so an over-deep document is never built (nlohmann's parser itself is iterative).
  const nlohmann::json::parser_callback_t bounded = [](int depth, nlohmann::json::parse_event_t event,
                                                       nlohmann::json&) {
    const bool opens = event == nlohmann::json::parse_event_t::object_start ||
                       event == nlohmann::json::parse_event_t::array_start;
    if (opens && depth >= kMaxValueDepth) too_deep();
    return true;
  };
  try {
    return nlohmann::json::parse(text, bounded);
  } catch (const nlohmann::json::exception& e) {  // parse_error, or out_of_range for 1e400
    throw std::invalid_argument(std::string("malformed JSON: ") + e.what());
  }
}

Value parse_json_value(std::string_view text) { return from_json(parse_json_bounded(text)); }

}  // namespace amino
