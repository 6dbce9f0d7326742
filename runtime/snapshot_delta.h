// A binary delta between two encodings of an object's state, for pre-copy live migration: the
// kernel treats objects as black boxes, so it diffs the encoded snapshot bytes, not the objects.
// The bytes are cut into fixed-size blocks; a delta carries the blocks that differ from the base
// plus the new length, and a hash of the base and of the result, so that a delta applied to the
// wrong base (or damaged, or forged) is rejected with a DeltaError instead of yielding wrong state.
//
// Wire form (little-endian): "AMD1", u32 block size, u64 base length, u64 base hash, u64 new
// length, u64 new hash, u32 block count, then per block u64 index + the block's bytes (a full
// block, or the tail of the result for the last one). Indices strictly increase.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/status.h"

namespace amino::delta {

inline constexpr std::size_t kDefaultBlockBytes = 4096;
inline constexpr std::size_t kMinBlockBytes = 64;
inline constexpr std::size_t kMaxBlockBytes = std::size_t{1} << 20;
inline constexpr std::size_t kHeaderBytes = 4 + 4 + 8 * 4 + 4;

// A delta that cannot be applied: malformed, for another base, or producing an over-long result.
class DeltaError : public SystemError {
 public:
  explicit DeltaError(const std::string& msg) : SystemError(Code::kBadFrame, "snapshot delta: " + msg) {}
};

// A 64-bit hash of `bytes` (not cryptographic: it detects mismatched bases and damage; the peers
// of a migration are kernel servers, authenticated by the handshake where a cluster key is set).
std::uint64_t hash(std::string_view bytes);

// The delta taking `base` to `target`. block_bytes in [kMinBlockBytes, kMaxBlockBytes].
std::string encode(std::string_view base, std::string_view target, std::size_t block_bytes = kDefaultBlockBytes);

// `base` with `delta` applied. Throws DeltaError if the delta is malformed, was made against
// another base, or would produce more than max_result_bytes.
std::string apply(std::string_view base, std::string_view delta, std::size_t max_result_bytes);

// How many blocks a delta carries (its header only; throws DeltaError if that is malformed).
std::size_t changed_blocks(std::string_view delta);

}  // namespace amino::delta
