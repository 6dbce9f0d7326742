#include "runtime/snapshot_delta.h"

#include <cstring>

namespace amino::delta {

namespace {

constexpr char kMagic[4] = {'A', 'M', 'D', '1'};

void put_u32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Reads fixed-width fields off a delta, refusing to run past its end.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  std::uint64_t u(int bytes) {
    need(static_cast<std::size_t>(bytes));
    std::uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<std::uint64_t>(static_cast<unsigned char>(s_[pos_ + i])) << (8 * i);
    pos_ += static_cast<std::size_t>(bytes);
    return v;
  }
  std::string_view take(std::size_t n) {
    need(n);
    std::string_view out = s_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  std::size_t left() const { return s_.size() - pos_; }

 private:
  void need(std::size_t n) const {
    if (s_.size() - pos_ < n) throw DeltaError("truncated");
  }
  std::string_view s_;
  std::size_t pos_ = 0;
};

struct Header {
  std::size_t block = 0;
  std::uint64_t base_len = 0, base_hash = 0, new_len = 0, new_hash = 0;
  std::uint64_t blocks = 0;
};

Header read_header(Reader& r) {
  if (r.take(4) != std::string_view(kMagic, 4)) throw DeltaError("bad magic");
  Header h;
  h.block = static_cast<std::size_t>(r.u(4));
  if (h.block < kMinBlockBytes || h.block > kMaxBlockBytes) throw DeltaError("block size out of range");
  h.base_len = r.u(8);
  h.base_hash = r.u(8);
  h.new_len = r.u(8);
  h.new_hash = r.u(8);
  h.blocks = r.u(4);
  return h;
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::uint64_t hash(std::string_view bytes) {
  std::uint64_t h = mix(bytes.size() ^ 0x9e3779b97f4a7c15ULL);
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    std::uint64_t w = 0;
    std::memcpy(&w, bytes.data() + i, 8);
    h = (h ^ mix(w + i)) * 0x100000001b3ULL;
  }
  std::uint64_t tail = 0;
  std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  return mix(h ^ mix(tail ^ (bytes.size() - i)));
}

std::string encode(std::string_view base, std::string_view target, std::size_t block_bytes) {
  if (block_bytes < kMinBlockBytes || block_bytes > kMaxBlockBytes) throw DeltaError("block size out of range");
  std::string out(kMagic, 4);
  put_u32(out, static_cast<std::uint32_t>(block_bytes));
  put_u64(out, base.size());
  put_u64(out, hash(base));
  put_u64(out, target.size());
  put_u64(out, hash(target));
  const std::size_t count_at = out.size();
  put_u32(out, 0);
  std::uint32_t count = 0;
  for (std::size_t at = 0, index = 0; at < target.size(); at += block_bytes, ++index) {
    const std::size_t n = std::min(block_bytes, target.size() - at);
    // Unchanged only if the base holds the whole range with the same bytes; the result starts as
    // the base cut or zero-extended to the new length, so a range past the base's end always goes.
    const bool same = at + n <= base.size() && std::memcmp(base.data() + at, target.data() + at, n) == 0;
    if (same) continue;
    put_u64(out, index);
    out.append(target.data() + at, n);
    ++count;
  }
  for (int i = 0; i < 4; ++i) out[count_at + i] = static_cast<char>((count >> (8 * i)) & 0xff);
  return out;
}

std::string apply(std::string_view base, std::string_view delta, std::size_t max_result_bytes) {
  Reader r(delta);
  const Header h = read_header(r);
  if (h.base_len != base.size() || h.base_hash != hash(base)) throw DeltaError("made against another base");
  if (h.new_len > max_result_bytes) {
    throw DeltaError("result of " + std::to_string(h.new_len) + " bytes exceeds the limit of " +
                     std::to_string(max_result_bytes));
  }
  const std::uint64_t total_blocks = (h.new_len + h.block - 1) / h.block;
  if (h.blocks > total_blocks) throw DeltaError("more blocks than the result has");
  std::string out(base.substr(0, std::min<std::uint64_t>(base.size(), h.new_len)));
  out.resize(static_cast<std::size_t>(h.new_len), '\0');
  std::uint64_t next = 0;  // indices must strictly increase
  for (std::uint64_t b = 0; b < h.blocks; ++b) {
    const std::uint64_t index = r.u(8);
    if (index < next || index >= total_blocks) throw DeltaError("block index out of order or range");
    next = index + 1;
    const std::size_t at = static_cast<std::size_t>(index) * h.block;
    const std::size_t n = std::min<std::size_t>(h.block, static_cast<std::size_t>(h.new_len) - at);
    std::string_view data = r.take(n);
    std::memcpy(out.data() + at, data.data(), n);
  }
  if (r.left() != 0) throw DeltaError("trailing bytes");
  if (hash(out) != h.new_hash) throw DeltaError("result does not match its hash");
  return out;
}

std::size_t changed_blocks(std::string_view delta) {
  Reader r(delta);
  return static_cast<std::size_t>(read_header(r).blocks);
}

}  // namespace amino::delta
