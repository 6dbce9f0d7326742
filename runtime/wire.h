// Conversions between runtime types and their Protobuf wire form (runtime/proto/amino.proto).
#pragma once

#include <string>
#include <string_view>

#include "amino.pb.h"
#include "runtime/status.h"
#include "runtime/value.h"

namespace amino::wire {

void to_proto(const Value& v, amino::pb::Value* out);
Value from_proto(const amino::pb::Value& p);

// Deterministic encoding of a Value (map keys are emitted in order).
std::string encode_value(const Value& v);
// Throws SystemError(kBadFrame) on malformed bytes.
Value decode_value(std::string_view bytes);

// Protobuf maps have no fixed order; frames are serialized deterministically so that the same run
// produces the same bytes (and trace hashes) in every process.
std::string serialize(const google::protobuf::MessageLite& m);

void to_proto(const Status& s, amino::pb::Status* out);
Status from_proto(const amino::pb::Status& p);

}  // namespace amino::wire
