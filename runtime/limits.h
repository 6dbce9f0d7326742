// Input limits: every size a user (spec files, JSON arguments) or a peer (wire Values) can make the
// runtime handle, in one place. An error for exceeding one names the constant and its value, so the
// message leads here. docs/limits.md lists them for users.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace amino {

// Nesting of one Value read from text (JSON arguments, YAML specs): containers inside containers.
// Recursive conversions (Value <-> JSON, Protobuf) run on 256 KiB fiber stacks; a 1000-deep JSON
// argument used to overflow one.
inline constexpr int kMaxValueDepth = 64;
// Values decoded from the wire: a user Value at kMaxValueDepth wrapped in control-plane envelopes
// (spec -> dms -> config ..., create bodies) must still decode.
inline constexpr int kMaxWireValueDepth = kMaxValueDepth + 16;

// A spec's YAML text.
inline constexpr std::size_t kMaxSpecBytes = std::size_t{1} << 20;
// YAML nodes visited while reading one spec, counting an aliased node once per use: yaml-cpp keeps
// aliases shared, so a few hundred bytes of anchors can stand for billions of nodes.
inline constexpr std::size_t kMaxSpecNodes = 100000;
// Scalar bytes visited while reading one spec, aliases expanded (a 1 MiB string aliased 1000 times
// is 1 GiB of arguments). Without aliases this is below the text size, so kMaxSpecBytes.
inline constexpr std::size_t kMaxSpecScalarBytes = kMaxSpecBytes;
// A map key in a spec: field names, config keys and argument map keys are short; a long key would
// be copied into the field path of every error location below it.
inline constexpr std::size_t kMaxSpecKeyBytes = 256;
// Nesting of a spec document (top-level map = 1).
inline constexpr int kMaxSpecDepth = kMaxValueDepth;
// A create's constructor arguments, Protobuf-encoded: the OMS receives and forwards them whole.
inline constexpr std::size_t kMaxCreateArgsBytes = std::size_t{1} << 20;
// A whole create request as the OMS receives it (spec, arguments, envelope): refused before it is
// decoded, so that no single request can keep the OMS from hearing heartbeats.
inline constexpr std::size_t kMaxCreateRequestBytes = kMaxCreateArgsBytes + kMaxSpecBytes;

// The longest timeout or period a DM config key or a program flag accepts: one day. Longer is
// not a timeout any more, and ms * kMillisecond stays far from overflowing.
inline constexpr long long kMaxTimeoutMs = 24LL * 3600 * 1000;

// OMS addresses one client or kernel server is given (--oms A,B,C; Python's amino.connect): a
// replicated OMS has 3 or 5 replicas; more is a typo or a list of something else.
inline constexpr std::size_t kMaxOmsReplicas = 7;

// An input exceeded one of the limits above; what() names it ("... (limit kMaxValueDepth = 64)").
class LimitExceeded : public std::invalid_argument {
 public:
  LimitExceeded(const std::string& what_exceeded, const char* limit_name, long long limit)
      : std::invalid_argument(what_exceeded + " (limit " + limit_name + " = " + std::to_string(limit) + ")"),
        limit_name_(limit_name) {}
  const char* limit_name() const { return limit_name_; }

 private:
  const char* limit_name_;
};

}  // namespace amino
