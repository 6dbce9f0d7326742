#include "scenarios/code_offloading/payload.h"

#include <bit>
#include <stdexcept>

namespace amino::scenarios::offload {

ByteWriter& ByteWriter::u8(std::uint8_t v) {
  out_.push_back(static_cast<char>(v));
  return *this;
}

ByteWriter& ByteWriter::u32(std::uint32_t v) {
  for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  return *this;
}

ByteWriter& ByteWriter::u64(std::uint64_t v) {
  for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  return *this;
}

ByteWriter& ByteWriter::f32(float v) { return u32(std::bit_cast<std::uint32_t>(v)); }
ByteWriter& ByteWriter::f64(double v) { return u64(std::bit_cast<std::uint64_t>(v)); }

ByteWriter& ByteWriter::str(std::string_view s) {
  u32(static_cast<std::uint32_t>(s.size()));
  return raw(s);
}

ByteWriter& ByteWriter::raw(std::string_view s) {
  out_.append(s);
  return *this;
}

void ByteReader::need(std::size_t n) const {
  if (in_.size() - pos_ < n) throw std::invalid_argument("payload truncated");
}

std::uint8_t ByteReader::u8() {
  need(1);
  return static_cast<std::uint8_t>(in_[pos_++]);
}

std::uint32_t ByteReader::u32() {
  need(4);
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<std::uint32_t>(u8()) << (8 * i);
  return v;
}

std::uint64_t ByteReader::u64() {
  need(8);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(u8()) << (8 * i);
  return v;
}

float ByteReader::f32() { return std::bit_cast<float>(u32()); }
double ByteReader::f64() { return std::bit_cast<double>(u64()); }

std::string ByteReader::str() {
  const std::uint32_t n = u32();
  return std::string(raw(n));
}

std::string_view ByteReader::raw(std::size_t n) {
  need(n);
  std::string_view s = in_.substr(pos_, n);
  pos_ += n;
  return s;
}

std::uint32_t ByteReader::count(std::uint32_t max, const char* what) {
  const std::uint32_t n = u32();
  if (n > max) throw std::invalid_argument(std::string("payload: too many ") + what);
  return n;
}

void ByteReader::expect_end() const {
  if (pos_ != in_.size()) throw std::invalid_argument("payload has trailing bytes");
}

}  // namespace amino::scenarios::offload
