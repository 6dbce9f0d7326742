#include "runtime/snapshot_delta.h"

#include <cstring>
#include <unordered_map>

namespace amino::delta {

namespace {

constexpr char kMagic[4] = {'A', 'M', 'D', '2'};
enum Op : unsigned char { kCopy = 0, kLiteral = 1 };

void put_u32(std::string& out, std::uint64_t v) {
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
  std::uint64_t base_len = 0, base_hash = 0, new_len = 0, new_hash = 0, ops = 0;
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
  h.ops = r.u(4);
  return h;
}

std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// rsync's weak rolling checksum over a window of n bytes: a = sum of bytes, b = sum of the running
// a's; both mod 2^16. Rolls one byte in O(1).
struct Rolling {
  std::uint32_t a = 0, b = 0;
  std::size_t n = 0;
  void init(const unsigned char* p, std::size_t len) {
    a = b = 0;
    n = len;
    for (std::size_t i = 0; i < len; ++i) {
      a += p[i];
      b += static_cast<std::uint32_t>(len - i) * p[i];
    }
    a &= 0xffff;
    b &= 0xffff;
  }
  void roll(unsigned char out, unsigned char in) {
    a = (a - out + in) & 0xffff;
    b = (b - static_cast<std::uint32_t>(n) * out + a) & 0xffff;
  }
  std::uint32_t value() const { return a | (b << 16); }
};

// Builds the op list, merging adjacent copies and literals.
class Ops {
 public:
  explicit Ops(std::string& out) : out_(out) {}
  void copy(std::uint64_t off, std::size_t len) {
    flush_literal();
    if (copy_len_ > 0 && copy_off_ + copy_len_ == off && copy_len_ + len <= 0xffffffffu) {
      copy_len_ += len;
      return;
    }
    flush_copy();
    copy_off_ = off;
    copy_len_ = len;
  }
  void literal(const char* p, std::size_t len) {
    flush_copy();
    if (literal_.size() + len > 0xffffffffu) flush_literal();
    literal_.append(p, len);
  }
  std::uint32_t finish() {
    flush_copy();
    flush_literal();
    return count_;
  }

 private:
  void flush_copy() {
    if (copy_len_ == 0) return;
    out_.push_back(static_cast<char>(kCopy));
    put_u64(out_, copy_off_);
    put_u32(out_, copy_len_);
    copy_len_ = 0;
    ++count_;
  }
  void flush_literal() {
    if (literal_.empty()) return;
    out_.push_back(static_cast<char>(kLiteral));
    put_u32(out_, literal_.size());
    out_ += literal_;
    literal_.clear();
    ++count_;
  }
  std::string& out_;
  std::uint64_t copy_off_ = 0;
  std::size_t copy_len_ = 0;
  std::string literal_;
  std::uint32_t count_ = 0;
};

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
  put_u32(out, block_bytes);
  put_u64(out, base.size());
  put_u64(out, hash(base));
  put_u64(out, target.size());
  put_u64(out, hash(target));
  const std::size_t count_at = out.size();
  put_u32(out, 0);
  Ops ops(out);

  // The base's full blocks by weak checksum (the first block with a checksum wins: enough for
  // matching, and deterministic).
  const auto* b = reinterpret_cast<const unsigned char*>(base.data());
  const auto* t = reinterpret_cast<const unsigned char*>(target.data());
  std::unordered_map<std::uint32_t, std::size_t> blocks;
  blocks.reserve(base.size() / block_bytes + 1);
  for (std::size_t off = 0; off + block_bytes <= base.size(); off += block_bytes) {
    Rolling r;
    r.init(b + off, block_bytes);
    blocks.emplace(r.value(), off);
  }
  std::size_t i = 0, literal_from = 0;
  if (!blocks.empty() && target.size() >= block_bytes) {
    Rolling r;
    r.init(t, block_bytes);
    for (;;) {
      auto it = blocks.find(r.value());
      if (it != blocks.end() && std::memcmp(b + it->second, t + i, block_bytes) == 0) {
        if (i > literal_from) ops.literal(target.data() + literal_from, i - literal_from);
        ops.copy(it->second, block_bytes);
        i += block_bytes;
        literal_from = i;
        if (i + block_bytes > target.size()) break;
        r.init(t + i, block_bytes);
        continue;
      }
      if (i + block_bytes >= target.size()) break;
      r.roll(t[i], t[i + block_bytes]);
      ++i;
    }
  }
  if (target.size() > literal_from) ops.literal(target.data() + literal_from, target.size() - literal_from);
  const std::uint32_t count = ops.finish();
  for (int k = 0; k < 4; ++k) out[count_at + k] = static_cast<char>((count >> (8 * k)) & 0xff);
  return out;
}

namespace {

// Walks a delta's ops, calling copy(base_offset, len) and literal(bytes) after checking each
// against the base and the announced result length.
template <typename Copy, typename Literal>
void walk(std::string_view base, std::string_view delta, std::size_t max_result_bytes, Copy&& copy, Literal&& literal) {
  Reader r(delta);
  const Header h = read_header(r);
  if (h.base_len != base.size() || h.base_hash != hash(base)) throw DeltaError("made against another base");
  if (h.new_len > max_result_bytes) {
    throw DeltaError("result of " + std::to_string(h.new_len) + " bytes exceeds the limit of " +
                     std::to_string(max_result_bytes));
  }
  std::uint64_t produced = 0;
  for (std::uint64_t k = 0; k < h.ops; ++k) {
    const std::uint64_t op = r.u(1);
    if (op == kCopy) {
      const std::uint64_t off = r.u(8), len = r.u(4);
      if (off > base.size() || len > base.size() - off) throw DeltaError("copy outside the base");
      if (len > h.new_len - produced) throw DeltaError("ops longer than the result");
      copy(static_cast<std::size_t>(off), static_cast<std::size_t>(len));
      produced += len;
    } else if (op == kLiteral) {
      const std::uint64_t len = r.u(4);
      if (len > h.new_len - produced) throw DeltaError("ops longer than the result");
      literal(r.take(static_cast<std::size_t>(len)));
      produced += len;
    } else {
      throw DeltaError("unknown op");
    }
  }
  if (produced != h.new_len) throw DeltaError("ops shorter than the result");
  if (r.left() != 0) throw DeltaError("trailing bytes");
}

}  // namespace

std::string apply(std::string_view base, std::string_view delta, std::size_t max_result_bytes) {
  std::string out;
  {
    Reader r(delta);
    const Header h = read_header(r);
    if (h.new_len <= max_result_bytes) out.reserve(static_cast<std::size_t>(h.new_len));
  }
  walk(base, delta, max_result_bytes, [&](std::size_t off, std::size_t len) { out.append(base.data() + off, len); },
       [&](std::string_view bytes) { out.append(bytes.data(), bytes.size()); });
  Reader r(delta);
  if (hash(out) != read_header(r).new_hash) throw DeltaError("result does not match its hash");
  return out;
}

std::uint64_t result_bytes(std::string_view delta) {
  Reader r(delta);
  return read_header(r).new_len;
}

std::size_t literal_bytes(std::string_view delta) {
  Reader r(delta);
  const Header h = read_header(r);
  std::size_t n = 0;
  for (std::uint64_t k = 0; k < h.ops; ++k) {
    const std::uint64_t op = r.u(1);
    if (op == kCopy) {
      (void)r.u(8);
      (void)r.u(4);
    } else if (op == kLiteral) {
      const std::uint64_t len = r.u(4);
      (void)r.take(static_cast<std::size_t>(len));
      n += static_cast<std::size_t>(len);
    } else {
      throw DeltaError("unknown op");
    }
  }
  return n;
}

}  // namespace amino::delta
