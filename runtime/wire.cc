#include "runtime/wire.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "runtime/limits.h"

namespace amino::wire {

void to_proto(const amino::Value& v, amino::pb::Value* out) {
  using K = amino::Value::Kind;
  switch (v.kind()) {
    case K::kNull: out->set_null_value(true); break;
    case K::kBool: out->set_bool_value(v.as<bool>()); break;
    case K::kInt: out->set_int_value(v.as<std::int64_t>()); break;
    case K::kDouble: out->set_double_value(v.as<double>()); break;
    case K::kString: out->set_string_value(v.as<std::string>()); break;
    case K::kBytes: out->set_bytes_value(v.as<Bytes>().data); break;
    case K::kList: {
      auto* l = out->mutable_list_value();
      for (const auto& x : v.as<ValueList>()) to_proto(x, l->add_items());
      break;
    }
    case K::kMap: {
      auto* m = out->mutable_map_value()->mutable_entries();
      for (const auto& [k, x] : v.as<ValueMap>()) to_proto(x, &(*m)[k]);
      break;
    }
  }
}

namespace {

// `depth`: containers enclosing p. Protobuf's recursion limit (decode_value) already bounds what
// can arrive; this bounds Values built by other means and names the limit.
amino::Value from_proto_at(const amino::pb::Value& p, int depth) {
  using P = amino::pb::Value;
  const bool container = p.kind_case() == P::kListValue || p.kind_case() == P::kMapValue;
  if (container && depth >= kMaxWireValueDepth) {
    throw SystemError(Code::kBadFrame, "Value nested deeper than " + std::to_string(kMaxWireValueDepth) +
                                           " levels (limit kMaxWireValueDepth)");
  }
  switch (p.kind_case()) {
    case P::kNullValue:
    case P::KIND_NOT_SET: return {};
    case P::kBoolValue: return p.bool_value();
    case P::kIntValue: return static_cast<std::int64_t>(p.int_value());
    case P::kDoubleValue: return p.double_value();
    case P::kStringValue: return p.string_value();
    case P::kBytesValue: return Bytes{p.bytes_value()};
    case P::kListValue: {
      ValueList l;
      l.reserve(p.list_value().items_size());
      for (const auto& x : p.list_value().items()) l.push_back(from_proto_at(x, depth + 1));
      return l;
    }
    case P::kMapValue: {
      ValueMap m;
      for (const auto& [k, x] : p.map_value().entries()) m.emplace(k, from_proto_at(x, depth + 1));
      return m;
    }
  }
  return {};
}

}  // namespace

amino::Value from_proto(const amino::pb::Value& p) { return from_proto_at(p, 0); }

bool parse_bounded(google::protobuf::MessageLite& m, std::string_view bytes) {
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) return false;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  in.SetRecursionLimit(kMaxWireMessageDepth);
  return m.ParseFromCodedStream(&in) && in.ConsumedEntireMessage();
}

std::string serialize(const google::protobuf::MessageLite& m) {
  std::string out;
  google::protobuf::io::StringOutputStream sos(&out);
  google::protobuf::io::CodedOutputStream cos(&sos);
  cos.SetSerializationDeterministic(true);
  m.SerializeToCodedStream(&cos);
  cos.Trim();
  return out;
}

std::uint64_t digest(const amino::Value& v) {
  std::uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : encode_value(v)) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

namespace {

// encode_value writes the protobuf wire form of pb::Value directly from the Value, byte for byte
// what SerializeToCodedStream with deterministic serialization writes for to_proto's message (map
// entries sorted by key, both fields of every entry written, a oneof member written even when it
// holds its default): tests/spec/wire_encode_test.cc compares the two on random Values. Building
// the protobuf tree first cost an allocation per node and a second walk; every frame body, log
// entry and snapshot is encoded this way (Raft snapshots of the session table dominated the
// nemesis sweeps' time).
constexpr std::uint8_t kLenTag(int field) { return static_cast<std::uint8_t>(field << 3 | 2); }

std::size_t varint_size(std::uint64_t x) {
  std::size_t n = 1;
  while (x >= 0x80) {
    x >>= 7;
    ++n;
  }
  return n;
}

void put_varint(std::string& out, std::uint64_t x) {
  while (x >= 0x80) {
    out.push_back(static_cast<char>(static_cast<std::uint8_t>(x) | 0x80));
    x >>= 7;
  }
  out.push_back(static_cast<char>(x));
}

std::uint64_t zigzag(std::int64_t x) { return (static_cast<std::uint64_t>(x) << 1) ^ static_cast<std::uint64_t>(x >> 63); }

std::size_t delimited_size(std::size_t body) { return 1 + varint_size(body) + body; }

// One map entry (a ValueMap_EntriesEntry message, tag included) up to its value's body: its tag and
// length, the key, the value's tag and length (x_size: the value's body size).
void put_map_entry_head(std::string& out, std::string_view key, std::size_t x_size) {
  out.push_back(static_cast<char>(kLenTag(1)));
  put_varint(out, delimited_size(key.size()) + delimited_size(x_size));
  out.push_back(static_cast<char>(kLenTag(1)));
  put_varint(out, key.size());
  out.append(key);
  out.push_back(static_cast<char>(kLenTag(2)));
  put_varint(out, x_size);
}

// Writes Value trees in two walks: measure() records the body size of every list and map in the
// order put() meets them (pre-order), put() reads them back. Every length prefix needs the size of
// what follows; measuring it anew at each level re-walked every subtree once per enclosing container.
class Encoder {
 public:
  // The size of the pb::Value message's body (without its own tag and length).
  std::size_t measure(const amino::Value& v) {
    using K = amino::Value::Kind;
    if (v.kind() != K::kList && v.kind() != K::kMap) return scalar_size(v);
    const std::size_t slot = sizes_.size();
    sizes_.push_back(0);
    std::size_t body = 0;
    if (v.kind() == K::kList) {
      for (const auto& x : v.as<ValueList>()) body += delimited_size(measure(x));
    } else {
      for (const auto& [k, x] : v.as<ValueMap>()) body += delimited_size(delimited_size(k.size()) + delimited_size(measure(x)));
    }
    sizes_[slot] = body;
    return delimited_size(body);
  }

  // Writes v's body; v must be the next Value measured and not yet put.
  void put(std::string& out, const amino::Value& v) {
    using K = amino::Value::Kind;
    switch (v.kind()) {
      case K::kNull:
        out.push_back(static_cast<char>(1 << 3));
        out.push_back(1);
        break;
      case K::kBool:
        out.push_back(static_cast<char>(2 << 3));
        out.push_back(v.as<bool>() ? 1 : 0);
        break;
      case K::kInt:
        out.push_back(static_cast<char>(3 << 3));
        put_varint(out, zigzag(v.as<std::int64_t>()));
        break;
      case K::kDouble: {
        out.push_back(static_cast<char>(4 << 3 | 1));
        std::uint64_t bits = 0;
        const double d = v.as<double>();
        std::memcpy(&bits, &d, sizeof bits);
        for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
        break;
      }
      case K::kString:
      case K::kBytes: {
        const std::string& str = v.kind() == K::kString ? v.as<std::string>() : v.as<Bytes>().data;
        out.push_back(static_cast<char>(kLenTag(v.kind() == K::kString ? 5 : 6)));
        put_varint(out, str.size());
        out.append(str);
        break;
      }
      case K::kList: {
        out.push_back(static_cast<char>(kLenTag(7)));
        put_varint(out, sizes_[next_++]);
        for (const auto& x : v.as<ValueList>()) {
          out.push_back(static_cast<char>(kLenTag(1)));
          put_varint(out, measured(x));
          put(out, x);
        }
        break;
      }
      case K::kMap: {
        out.push_back(static_cast<char>(kLenTag(8)));
        put_varint(out, sizes_[next_++]);
        for (const auto& [k, x] : v.as<ValueMap>()) {
          put_map_entry_head(out, k, measured(x));
          put(out, x);
        }
        break;
      }
    }
  }

  // measure(x) again, from the record, for the next Value to put.
  std::size_t measured(const amino::Value& x) const {
    using K = amino::Value::Kind;
    return x.kind() == K::kList || x.kind() == K::kMap ? delimited_size(sizes_[next_]) : scalar_size(x);
  }

 private:
  static std::size_t scalar_size(const amino::Value& v) {
    using K = amino::Value::Kind;
    switch (v.kind()) {
      case K::kNull:
      case K::kBool: return 2;
      case K::kInt: return 1 + varint_size(zigzag(v.as<std::int64_t>()));
      case K::kDouble: return 9;
      case K::kString: return delimited_size(v.as<std::string>().size());
      case K::kBytes: return delimited_size(v.as<Bytes>().data.size());
      case K::kList:
      case K::kMap: break;
    }
    return 0;
  }

  std::vector<std::size_t> sizes_;  // body of each list's ValueList / map's ValueMap message, pre-order
  std::size_t next_ = 0;            // the next of sizes_ that put() reads
};

}  // namespace

std::string encode_value(const amino::Value& v) {
  Encoder e;
  std::string out;
  out.reserve(e.measure(v));
  e.put(out, v);
  return out;
}

std::string encode_map_of(std::vector<std::pair<std::string_view, std::variant<const amino::Value*, Encoded>>> entries) {
  // A ValueMap's order (keys are distinct, so the values are never compared).
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  Encoder e;
  std::vector<std::size_t> sizes;  // each value's body size
  sizes.reserve(entries.size());
  std::size_t body = 0;
  for (const auto& [k, x] : entries) {
    const auto* encoded = std::get_if<Encoded>(&x);
    sizes.push_back(encoded != nullptr ? encoded->bytes.size() : e.measure(*std::get<const amino::Value*>(x)));
    body += delimited_size(delimited_size(k.size()) + delimited_size(sizes.back()));
  }
  std::string out;
  out.reserve(delimited_size(body));
  out.push_back(static_cast<char>(kLenTag(8)));
  put_varint(out, body);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& [k, x] = entries[i];
    put_map_entry_head(out, k, sizes[i]);
    if (const auto* encoded = std::get_if<Encoded>(&x)) {
      out.append(encoded->bytes);
    } else {
      e.put(out, *std::get<const amino::Value*>(x));  // in the order measured
    }
  }
  return out;
}

std::size_t append_list_item(std::string& items, std::string_view item_bytes) {
  const std::size_t before = items.size();
  items.push_back(static_cast<char>(kLenTag(1)));
  put_varint(items, item_bytes.size());
  items.append(item_bytes);
  return items.size() - before;
}

std::string encode_list_of(std::string_view items) {
  std::string out;
  out.reserve(delimited_size(items.size()));
  out.push_back(static_cast<char>(kLenTag(7)));
  put_varint(out, items.size());
  out.append(items);
  return out;
}

std::string encode_value_via_proto(const amino::Value& v) {
  amino::pb::Value p;
  to_proto(v, &p);
  std::string out;
  google::protobuf::io::StringOutputStream sos(&out);
  google::protobuf::io::CodedOutputStream cos(&sos);
  cos.SetSerializationDeterministic(true);
  p.SerializeToCodedStream(&cos);
  cos.Trim();
  return out;
}

amino::Value decode_value(std::string_view bytes) {
  amino::pb::Value p;
  if (!parse_bounded(p, bytes)) {
    throw SystemError(Code::kBadFrame, "malformed Value encoding (or nested deeper than " +
                                           std::to_string(kMaxWireValueDepth) + " levels, limit kMaxWireValueDepth)");
  }
  return from_proto(p);
}

void to_proto(const Status& s, amino::pb::Status* out) {
  out->set_code(static_cast<int>(s.code));
  out->set_message(s.message);
  out->set_app_type(s.app_type);
}

Status from_proto(const amino::pb::Status& p) {
  Status s;
  s.code = code_from_int(p.code());
  s.message = p.message();
  s.app_type = p.app_type();
  return s;
}

}  // namespace amino::wire
