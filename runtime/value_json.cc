#include "runtime/value_json.h"

#include <cstdio>

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
std::string unhex(const std::string& h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
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

Value from_json(const nlohmann::json& j) {
  if (j.is_null()) return {};
  if (j.is_boolean()) return j.get<bool>();
  if (j.is_number_integer()) return j.get<std::int64_t>();
  if (j.is_number_unsigned()) return static_cast<std::int64_t>(j.get<std::uint64_t>());
  if (j.is_number_float()) return j.get<double>();
  if (j.is_string()) return j.get<std::string>();
  if (j.is_array()) {
    ValueList l;
    for (const auto& x : j) l.push_back(from_json(x));
    return l;
  }
  if (j.size() == 1 && j.contains("$bytes") && j["$bytes"].is_string()) return Bytes{unhex(j["$bytes"].get<std::string>())};
  ValueMap m;
  for (auto it = j.begin(); it != j.end(); ++it) m.emplace(it.key(), from_json(it.value()));
  return m;
}

}  // namespace amino
