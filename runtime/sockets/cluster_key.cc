#include "runtime/sockets/cluster_key.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace amino::sockets {

namespace {

// A key file holds a few dozen bytes; anything much longer is not a key file.
constexpr std::uintmax_t kMaxKeyFileBytes = 4096;

}  // namespace

void check_cluster_key(std::string_view key) {
  if (!key.empty() && key.size() < kMinClusterKeyBytes) {
    throw std::invalid_argument("the cluster key has " + std::to_string(key.size()) + " bytes; at least " +
                                std::to_string(kMinClusterKeyBytes) +
                                " are needed (e.g. `openssl rand -hex 32 > cluster.key`)");
  }
}

LoadedClusterKey load_cluster_key_file(const std::filesystem::path& file) {
  const std::string name = "cluster key file " + file.string();
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) throw std::invalid_argument("cannot read " + name + ": " + ec.message());
  if (size > kMaxKeyFileBytes) {
    throw std::invalid_argument(name + " has " + std::to_string(size) + " bytes; a key file holds at most " +
                                std::to_string(kMaxKeyFileBytes));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::invalid_argument("cannot open " + name);
  LoadedClusterKey out;
  out.key.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (!out.key.empty() && out.key.back() == '\n') out.key.pop_back();
  if (!out.key.empty() && out.key.back() == '\r') out.key.pop_back();
  if (out.key.empty()) throw std::invalid_argument(name + " is empty");
  try {
    check_cluster_key(out.key);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(name + ": " + e.what());
  }
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    out.warning = name + " is accessible by its group or others; `chmod 600` it";
  }
  return out;
}

Mac hmac_parts(std::string_view key, const std::vector<std::string_view>& parts) {
  std::string message;
  for (const auto part : parts) {
    const auto n = static_cast<std::uint32_t>(part.size());
    message.push_back(static_cast<char>(n >> 24));
    message.push_back(static_cast<char>(n >> 16));
    message.push_back(static_cast<char>(n >> 8));
    message.push_back(static_cast<char>(n));
    message.append(part);
  }
  Mac mac{};
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), mac.data(), &length) == nullptr ||
      length != kMacBytes) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return mac;
}

bool macs_equal(std::string_view received, const Mac& expected) {
  return received.size() == expected.size() && CRYPTO_memcmp(received.data(), expected.data(), expected.size()) == 0;
}

std::string random_nonce() {
  std::string nonce(kNonceBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(nonce.data()), static_cast<int>(nonce.size())) != 1) {
    throw std::runtime_error("no entropy for a handshake nonce (RAND_bytes failed)");
  }
  return nonce;
}

}  // namespace amino::sockets
