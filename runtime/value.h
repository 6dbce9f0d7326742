// Value: the dynamic type of method arguments, results and object state. It crosses the wire as the
// Protobuf message amino.wire.Value, lets DMs inspect calls without knowing the application, and
// lets Python pass arguments. Conversions to and from ordinary C++ types live in codec.h.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace amino {

class Value;
using ValueList = std::vector<Value>;
using ValueMap = std::map<std::string, Value>;  // ordered: iteration order reaches the wire

struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

class Value {
 public:
  using Storage = std::variant<std::monostate, bool, std::int64_t, double, std::string, Bytes,
                               ValueList, ValueMap>;
  enum class Kind { kNull, kBool, kInt, kDouble, kString, kBytes, kList, kMap };

  Value() = default;
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}
  Value(unsigned i) : v_(static_cast<std::int64_t>(i)) {}
  Value(long i) : v_(static_cast<std::int64_t>(i)) {}
  Value(long long i) : v_(static_cast<std::int64_t>(i)) {}
  Value(unsigned long i) : v_(static_cast<std::int64_t>(i)) {}
  Value(unsigned long long i) : v_(static_cast<std::int64_t>(i)) {}
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(Bytes b) : v_(std::move(b)) {}
  Value(ValueList l) : v_(std::move(l)) {}
  Value(ValueMap m) : v_(std::move(m)) {}

  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  template <typename T> bool is() const { return std::holds_alternative<T>(v_); }
  template <typename T> const T& as() const { return std::get<T>(v_); }
  template <typename T> T& as() { return std::get<T>(v_); }

  // Convenience accessors that throw BadArguments-style TypeMismatch on the wrong kind.
  bool as_bool() const;
  std::int64_t as_int() const;
  double as_double() const;  // accepts ints too
  const std::string& as_string() const;
  const ValueList& as_list() const;
  const ValueMap& as_map() const;

  // Map helpers.
  const Value* find(const std::string& key) const;
  // The field `key` of a map; throws SystemError(kBadArguments) naming it when absent.
  const Value& at(const std::string& key) const;
  Value& operator[](const std::string& key);

  bool operator==(const Value& o) const { return v_ == o.v_; }
  // A deterministic, readable rendering (JSON-like), for logs, traces and test failures.
  std::string to_string() const;

  const Storage& storage() const { return v_; }

 private:
  Storage v_;
};

const char* kind_name(Value::Kind k);

}  // namespace amino
