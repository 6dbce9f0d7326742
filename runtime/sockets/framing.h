// Byte-level conventions of the sockets backend: the protocol version, the 4-byte big-endian length
// prefix, and NodeId <-> "host:port" conversion (a NodeId IS the listen address, so no directory
// service is needed). The handshake that opens every connection is in handshake.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "runtime/env.h"

namespace amino::sockets {

// 2: the handshake of handshake.h (a reply from the accepting node; cluster-key proofs).
inline constexpr std::uint32_t kProtocolVersion = 2;
inline constexpr std::size_t kFrameHeaderBytes = 4;
// The largest frame the length prefix can describe.
inline constexpr std::size_t kMaxEncodableFrameBytes = UINT32_MAX;

using FrameHeader = std::array<std::uint8_t, kFrameHeaderBytes>;

FrameHeader encode_frame_header(std::uint32_t length);
std::uint32_t decode_frame_header(const FrameHeader& header);

struct NodeAddress {
  std::string host;  // without IPv6 brackets
  std::string port;  // decimal, as the resolver wants it
};

// "host:port" or "[v6addr]:port"; nullopt if the port is missing or not a number in 1..65535.
std::optional<NodeAddress> parse_node_address(const NodeId& id);
NodeId format_node_id(const std::string& host, std::uint16_t port);

}  // namespace amino::sockets
