// The cluster key: a shared secret every node of a deployment holds, from which the sockets
// handshake (handshake.h) derives its proofs. Only what touches the key lives here: reading it from
// a file, checking it, HMAC-SHA256 over it, and the OS entropy for handshake nonces (libcrypto).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace amino::sockets {

// Shorter keys are refused: 16 bytes is the least that resists guessing offline from a recorded
// handshake (a proof is an HMAC over public nonces, so a weak key can be brute-forced from it).
inline constexpr std::size_t kMinClusterKeyBytes = 16;
// Nonces of 256 bits: collisions between handshakes are out of the question.
inline constexpr std::size_t kNonceBytes = 32;
inline constexpr std::size_t kMacBytes = 32;  // HMAC-SHA256

using Mac = std::array<std::uint8_t, kMacBytes>;

// Throws std::invalid_argument unless `key` is empty (no key) or at least kMinClusterKeyBytes long.
void check_cluster_key(std::string_view key);

struct LoadedClusterKey {
  std::string key;
  // Non-empty when the file is readable by its group or by others: a warning the program prints.
  std::string warning;
};
// The file's bytes, one trailing "\n" or "\r\n" removed (as `echo` and editors leave it). Throws
// std::invalid_argument naming the file when it cannot be read, or the key is empty or too short.
LoadedClusterKey load_cluster_key_file(const std::filesystem::path& file);

// HMAC-SHA256 under `key` over `parts`, each preceded by its 4-byte big-endian length, so that no
// two different part lists hash the same bytes.
Mac hmac_parts(std::string_view key, const std::vector<std::string_view>& parts);
// Constant-time comparison (CRYPTO_memcmp): a proof's check must not leak how much of it matched.
bool macs_equal(std::string_view received, const Mac& expected);

// kNonceBytes from the OS's entropy (RAND_bytes). Throws std::runtime_error if none is available.
std::string random_nonce();

}  // namespace amino::sockets
