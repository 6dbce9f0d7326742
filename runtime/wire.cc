#include "runtime/wire.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

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

std::string encode_value(const amino::Value& v) {
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
