#include "runtime/value.h"

#include <cstdio>
#include <sstream>

#include "runtime/status.h"

namespace amino {

const char* kind_name(Value::Kind k) {
  switch (k) {
    case Value::Kind::kNull: return "null";
    case Value::Kind::kBool: return "bool";
    case Value::Kind::kInt: return "int";
    case Value::Kind::kDouble: return "double";
    case Value::Kind::kString: return "string";
    case Value::Kind::kBytes: return "bytes";
    case Value::Kind::kList: return "list";
    case Value::Kind::kMap: return "map";
  }
  return "?";
}

namespace {
[[noreturn]] void mismatch(Value::Kind want, Value::Kind got) {
  throw SystemError(Code::kBadArguments,
                    std::string("expected ") + kind_name(want) + ", got " + kind_name(got));
}
}  // namespace

bool Value::as_bool() const {
  if (!is<bool>()) mismatch(Kind::kBool, kind());
  return as<bool>();
}
std::int64_t Value::as_int() const {
  if (!is<std::int64_t>()) mismatch(Kind::kInt, kind());
  return as<std::int64_t>();
}
double Value::as_double() const {
  if (is<std::int64_t>()) return static_cast<double>(as<std::int64_t>());
  if (!is<double>()) mismatch(Kind::kDouble, kind());
  return as<double>();
}
const std::string& Value::as_string() const {
  if (!is<std::string>()) mismatch(Kind::kString, kind());
  return as<std::string>();
}
const ValueList& Value::as_list() const {
  if (!is<ValueList>()) mismatch(Kind::kList, kind());
  return as<ValueList>();
}
const ValueMap& Value::as_map() const {
  if (!is<ValueMap>()) mismatch(Kind::kMap, kind());
  return as<ValueMap>();
}

const Value* Value::find(const std::string& key) const {
  if (!is<ValueMap>()) return nullptr;
  const auto& m = as<ValueMap>();
  auto it = m.find(key);
  return it == m.end() ? nullptr : &it->second;
}

const Value& Value::at(const std::string& key) const {
  const Value* v = find(key);
  if (v == nullptr) throw SystemError(Code::kBadArguments, "missing field '" + key + "'");
  return *v;
}

Value& Value::operator[](const std::string& key) {
  if (is_null()) v_ = ValueMap{};
  if (!is<ValueMap>()) mismatch(Kind::kMap, kind());
  return as<ValueMap>()[key];
}

namespace {
void render(const Value& v, std::ostringstream& os) {
  switch (v.kind()) {
    case Value::Kind::kNull: os << "null"; break;
    case Value::Kind::kBool: os << (v.as<bool>() ? "true" : "false"); break;
    case Value::Kind::kInt: os << v.as<std::int64_t>(); break;
    case Value::Kind::kDouble: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v.as<double>());
      os << buf;
      break;
    }
    case Value::Kind::kString: os << '"' << v.as<std::string>() << '"'; break;
    case Value::Kind::kBytes: os << "<" << v.as<Bytes>().data.size() << " bytes>"; break;
    case Value::Kind::kList: {
      os << '[';
      bool first = true;
      for (const auto& x : v.as<ValueList>()) {
        if (!first) os << ',';
        first = false;
        render(x, os);
      }
      os << ']';
      break;
    }
    case Value::Kind::kMap: {
      os << '{';
      bool first = true;
      for (const auto& [k, x] : v.as<ValueMap>()) {
        if (!first) os << ',';
        first = false;
        os << '"' << k << "\":";
        render(x, os);
      }
      os << '}';
      break;
    }
  }
}
}  // namespace

std::string Value::to_string() const {
  std::ostringstream os;
  render(*this, os);
  return os.str();
}

}  // namespace amino
