// Cluster key files: trimmed, checked for length, warned about when others can read them; HMAC and
// nonces from libcrypto.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "runtime/sockets/cluster_key.h"
#include "tests/sockets/test_support.h"

namespace amino::sockets::testing {
namespace {

std::filesystem::path write_file(const TempDir& dir, const std::string& name, const std::string& bytes, mode_t mode) {
  const auto path = dir.path() / name;
  std::ofstream(path, std::ios::binary) << bytes;
  ::chmod(path.c_str(), mode);
  return path;
}

TEST(ClusterKey, AFileIsReadWithoutItsTrailingNewline) {
  TempDir dir;
  EXPECT_EQ(load_cluster_key_file(write_file(dir, "k1", "0123456789abcdef0123\n", 0600)).key, "0123456789abcdef0123");
  EXPECT_EQ(load_cluster_key_file(write_file(dir, "k2", "0123456789abcdef0123\r\n", 0600)).key, "0123456789abcdef0123");
  // Only one newline is trimmed: inner and leading bytes are the key's.
  EXPECT_EQ(load_cluster_key_file(write_file(dir, "k3", " 0123456789abcdef\n\n", 0600)).key, " 0123456789abcdef\n");
  EXPECT_TRUE(load_cluster_key_file(write_file(dir, "k4", "0123456789abcdef", 0600)).warning.empty());
}

TEST(ClusterKey, EmptyShortOrMissingFilesAreRefusedWithTheirName) {
  TempDir dir;
  for (const std::string bytes : {"", "\n", "too short\n", "0123456789abcde"}) {
    const auto path = write_file(dir, "bad", bytes, 0600);
    try {
      load_cluster_key_file(path);
      ADD_FAILURE() << "accepted '" << bytes << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(load_cluster_key_file(dir.path() / "missing"), std::invalid_argument);
  EXPECT_THROW(check_cluster_key("fifteen bytes.."), std::invalid_argument);
  EXPECT_NO_THROW(check_cluster_key(""));
  EXPECT_NO_THROW(check_cluster_key("sixteen bytes..."));
}

TEST(ClusterKey, AFileOthersCanReadIsAcceptedWithAWarning) {
  TempDir dir;
  const auto loaded = load_cluster_key_file(write_file(dir, "open", "0123456789abcdef", 0644));
  EXPECT_EQ(loaded.key, "0123456789abcdef");
  EXPECT_NE(loaded.warning.find("chmod 600"), std::string::npos);
}

TEST(ClusterKey, HmacIsSha256OverLengthPrefixedParts) {
  // Expected value from Python's hmac module over "\0\0\0\x10what do ya want \0\0\0\x0cfor nothing?"
  // (the RFC 4231 case 2 key and data, split in two parts).
  const Mac a = hmac_parts("Jefe", {"what do ya want ", "for nothing?"});
  std::string hex;
  for (const auto byte : a) {
    static const char* digits = "0123456789abcdef";
    hex += digits[byte >> 4];
    hex += digits[byte & 15];
  }
  EXPECT_EQ(hex, "1c3f0964858b4b8c0d7fe90e8deec28f13514d162d914b8b8d599baa782ebc3a");
  // The same bytes split differently hash differently.
  const Mac b = hmac_parts("Jefe", {"what do ya want for nothing?"});
  EXPECT_NE(a, b);
  EXPECT_TRUE(macs_equal(std::string(a.begin(), a.end()), a));
  EXPECT_FALSE(macs_equal(std::string(b.begin(), b.end()), a));
  EXPECT_FALSE(macs_equal(std::string(a.begin(), a.end() - 1), a));
}

TEST(ClusterKey, NoncesAreFreshAndFullLength) {
  const std::string n1 = random_nonce(), n2 = random_nonce();
  EXPECT_EQ(n1.size(), kNonceBytes);
  EXPECT_NE(n1, n2);
}

}  // namespace
}  // namespace amino::sockets::testing
