// Request/response payloads of the offloaded workloads: compact little-endian binary, the way a
// mobile app would ship arrays to a server (not one Value per number, which would triple the bytes
// shipped over 3G). ByteWriter builds a payload, ByteReader parses one and rejects truncated or
// trailing data with std::invalid_argument (an application error, reported to the caller).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace amino::scenarios::offload {

class ByteWriter {
 public:
  ByteWriter& u8(std::uint8_t v);
  ByteWriter& u32(std::uint32_t v);
  ByteWriter& i32(std::int32_t v) { return u32(static_cast<std::uint32_t>(v)); }
  ByteWriter& u64(std::uint64_t v);
  ByteWriter& i64(std::int64_t v) { return u64(static_cast<std::uint64_t>(v)); }
  ByteWriter& f32(float v);
  ByteWriter& f64(double v);
  // Length-prefixed (u32) byte string.
  ByteWriter& str(std::string_view s);
  // Raw bytes, no length prefix (the reader must know the count).
  ByteWriter& raw(std::string_view s);

  const std::string& bytes() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  explicit ByteReader(std::string_view in) : in_(in) {}
  std::uint8_t u8();
  std::uint32_t u32();
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
  std::uint64_t u64();
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  float f32();
  double f64();
  std::string str();
  std::string_view raw(std::size_t n);
  // A count read from the payload, checked against a sane upper bound before anything is allocated.
  std::uint32_t count(std::uint32_t max, const char* what);
  // Throws unless every byte was consumed (a payload for another workload or version).
  void expect_end() const;

 private:
  void need(std::size_t n) const;
  std::string_view in_;
  std::size_t pos_ = 0;
};

}  // namespace amino::scenarios::offload
