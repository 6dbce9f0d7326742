// A binary delta between two encodings of an object's state, for pre-copy live migration: the
// kernel treats objects as black boxes, so it diffs the encoded snapshot bytes, not the objects.
// rsync's scheme: the base is cut into fixed-size blocks, indexed by a rolling checksum; the
// target is scanned with the same rolling window, and every window equal to a base block (checked
// byte for byte, never by hash alone) becomes a copy of that block, the rest literal bytes. So a
// change costs about one block, and an insertion that shifts everything after it (a list that grew
// at the front of the encoding) costs no more. A delta carries the lengths and hashes of its base
// and result, so one applied to the wrong base, damaged or forged is rejected with a DeltaError
// instead of yielding wrong state.
//
// Wire form (little-endian): "AMD2", u32 block size, u64 base length, u64 base hash, u64 new
// length, u64 new hash, u32 op count, then ops: 0 = copy (u64 base offset, u32 length), 1 =
// literal (u32 length, bytes). The ops' lengths add up to the new length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/status.h"

namespace amino::delta {

inline constexpr std::size_t kDefaultBlockBytes = 4096;
inline constexpr std::size_t kMinBlockBytes = 64;
inline constexpr std::size_t kMaxBlockBytes = std::size_t{1} << 16;
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

// The length of the result a delta announces (its header only; throws DeltaError if malformed).
std::uint64_t result_bytes(std::string_view delta);
// How many literal bytes a delta carries (throws DeltaError if it is malformed).
std::size_t literal_bytes(std::string_view delta);

}  // namespace amino::delta
