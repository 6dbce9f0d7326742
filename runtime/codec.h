// Conversions between ordinary C++ types and Value, so application methods take and return plain
// types. Supported: bool, integers, floating point, std::string, Bytes, Value, std::vector<T>,
// std::map<std::string, T>, std::optional<T>. A mismatch throws SystemError(kBadArguments).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/status.h"
#include "runtime/value.h"

namespace amino {

template <typename T> struct Codec;

template <typename T> Value to_value(const T& x) { return Codec<T>::encode(x); }
template <typename T> T from_value(const Value& v) { return Codec<T>::decode(v); }

template <> struct Codec<Value> {
  static Value encode(const Value& v) { return v; }
  static Value decode(const Value& v) { return v; }
};
template <> struct Codec<bool> {
  static Value encode(bool b) { return b; }
  static bool decode(const Value& v) { return v.as_bool(); }
};
template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
struct Codec<T> {
  static Value encode(T x) { return static_cast<std::int64_t>(x); }
  static T decode(const Value& v) { return static_cast<T>(v.as_int()); }
};
template <typename T>
  requires std::is_floating_point_v<T>
struct Codec<T> {
  static Value encode(T x) { return static_cast<double>(x); }
  static T decode(const Value& v) { return static_cast<T>(v.as_double()); }
};
template <> struct Codec<std::string> {
  static Value encode(const std::string& s) { return s; }
  static std::string decode(const Value& v) { return v.as_string(); }
};
template <> struct Codec<Bytes> {
  static Value encode(const Bytes& b) { return b; }
  static Bytes decode(const Value& v) {
    if (v.is<Bytes>()) return v.as<Bytes>();
    return Bytes{v.as_string()};
  }
};
template <typename T> struct Codec<std::vector<T>> {
  static Value encode(const std::vector<T>& xs) {
    ValueList l;
    l.reserve(xs.size());
    for (const auto& x : xs) l.push_back(to_value(x));
    return l;
  }
  static std::vector<T> decode(const Value& v) {
    std::vector<T> out;
    for (const auto& x : v.as_list()) out.push_back(from_value<T>(x));
    return out;
  }
};
template <typename T> struct Codec<std::map<std::string, T>> {
  static Value encode(const std::map<std::string, T>& m) {
    ValueMap out;
    for (const auto& [k, x] : m) out.emplace(k, to_value(x));
    return out;
  }
  static std::map<std::string, T> decode(const Value& v) {
    std::map<std::string, T> out;
    for (const auto& [k, x] : v.as_map()) out.emplace(k, from_value<T>(x));
    return out;
  }
};
template <typename T> struct Codec<std::optional<T>> {
  static Value encode(const std::optional<T>& x) { return x ? to_value(*x) : Value(); }
  static std::optional<T> decode(const Value& v) {
    if (v.is_null()) return std::nullopt;
    return from_value<T>(v);
  }
};

}  // namespace amino
