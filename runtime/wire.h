// Conversions between runtime types and their Protobuf wire form (runtime/proto/amino.proto).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "amino.pb.h"
#include "runtime/limits.h"
#include "runtime/status.h"
#include "runtime/value.h"

namespace amino::wire {

void to_proto(const Value& v, amino::pb::Value* out);
Value from_proto(const amino::pb::Value& p);

// Protobuf nesting that admits a Value kMaxWireValueDepth containers deep (runtime/limits.h): a map
// level costs three messages (Value, ValueMap, the map entry), plus one for an enclosing request.
inline constexpr int kMaxWireMessageDepth = 3 * kMaxWireValueDepth + 2;
// ParseFromArray with the recursion limit above instead of Protobuf's default of 100 (which admits
// only ~33 levels of maps). False for malformed or over-deep bytes.
bool parse_bounded(google::protobuf::MessageLite& m, std::string_view bytes);

// Deterministic encoding of a Value (map keys are emitted in order): pb::Value's wire form, written
// directly (no Protobuf message is built).
std::string encode_value(const Value& v);
// encode_value's bytes of one Value, encoded earlier and kept: large records are assembled from
// parts that rarely change instead of re-encoding them (Raft snapshots of the session table).
struct Encoded {
  std::string_view bytes;
};
// encode_value(ValueMap{...}) for a map whose values are borrowed instead of copied into a ValueMap,
// or given encoded already (large records such as Raft snapshots). Keys must be distinct.
std::string encode_map_of(std::vector<std::pair<std::string_view, std::variant<const Value*, Encoded>>> entries);
// A list kept as its items' encodings: append_list_item adds encode_value's bytes of one item to
// `items` (as the list's encoding holds it: tag and length first), and encode_list_of(items) is
// encode_value(ValueList{...}) of the items appended, in order. A prefix of whole items may be cut
// from `items` (a list that grows at its end and shrinks at its front).
std::size_t append_list_item(std::string& items, std::string_view item_bytes);  // returns the bytes appended
std::string encode_list_of(std::string_view items);
// The same bytes through to_proto and Protobuf's deterministic serializer: the reference the direct
// encoder is tested against.
std::string encode_value_via_proto(const Value& v);
// Throws SystemError(kBadFrame) on malformed bytes and on nesting beyond kMaxWireValueDepth.
Value decode_value(std::string_view bytes);
// A stable 64-bit digest of a Value: FNV-1a over encode_value's bytes (same value, same digest in
// every process and run).
std::uint64_t digest(const Value& v);

// Protobuf maps have no fixed order; frames are serialized deterministically so that the same run
// produces the same bytes (and trace hashes) in every process.
std::string serialize(const google::protobuf::MessageLite& m);

void to_proto(const Status& s, amino::pb::Status* out);
Status from_proto(const amino::pb::Status& p);

}  // namespace amino::wire
