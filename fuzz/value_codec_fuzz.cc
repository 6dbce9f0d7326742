// Fuzz target: Value bytes from a peer (runtime/wire.h decode_value) and the control-plane records
// built on Values (runtime/protocol.h, spec.h, dm.h from_value functions). Any input must give a
// Value or SystemError(kBadFrame); a record decoder must give a record or SystemError(kBadArguments).
// A decoded Value re-encodes canonically, and every record that decodes re-encodes to a Value that
// decodes to the same record.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <google/protobuf/stubs/logging.h>

#include "dms/all.h"
#include "fuzz/fuzz_check.h"
#include "runtime/dm.h"
#include "runtime/protocol.h"
#include "runtime/spec.h"
#include "runtime/wire.h"

namespace {

using amino::Code;
using amino::SystemError;
using amino::Value;
using amino::fuzz::check;
using amino::wire::encode_value;

// Runs one record decoder on v; if it accepts v, its encoding must decode to the same record.
template <typename Decode, typename Encode>
void record_round_trip(const Value& v, const char* name, Decode decode, Encode encode) {
  Value once;
  try {
    once = encode(decode(v));
  } catch (const SystemError& e) {
    check(e.code() == Code::kBadArguments, "record decoders reject with kBadArguments", e.what());
    return;
  }
  const Value twice = encode(decode(once));
  check(encode_value(once) == encode_value(twice), name, once.to_string() + "\n" + twice.to_string());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  google::protobuf::SetLogHandler(nullptr);  // invalid UTF-8 would log every time; the result is what counts
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Value v;
  try {
    v = amino::wire::decode_value(std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const SystemError& e) {
    check(e.code() == Code::kBadFrame, "decode_value rejects with kBadFrame", e.what());
    return 0;
  }
  const std::string once = encode_value(v);
  const std::string twice = encode_value(amino::wire::decode_value(once));
  check(once == twice, "decode(encode(v)) encodes like v", v.to_string());
  (void)v.to_string();
  (void)amino::wire::digest(v);

  record_round_trip(v, "MicroServiceSpec", amino::MicroServiceSpec::from_value,
                    [](const amino::MicroServiceSpec& s) { return s.to_value(); });
  // The OMS checks a spec it receives (oms.create) before placing anything: a verdict, never a throw.
  try {
    (void)amino::spec_problem(amino::MicroServiceSpec::from_value(v), amino::dms::builtin());
  } catch (const SystemError& e) {
    check(e.code() == Code::kBadArguments, "MicroServiceSpec::from_value rejects with kBadArguments", e.what());
  }
  record_round_trip(v, "StackSpec", amino::StackSpec::from_value, [](const amino::StackSpec& s) { return s.to_value(); });
  record_round_trip(v, "StackState", amino::StackState::from_value,
                    [](const amino::StackState& s) { return s.to_value(); });
  record_round_trip(v, "NodeInfo", amino::node_info_from_value, amino::node_info_to_value);
  record_round_trip(v, "NodeSelector", amino::selector_from_value, amino::selector_to_value);
  record_round_trip(v, "ReplicaRef", amino::ReplicaRef::from_value, [](const amino::ReplicaRef& r) { return r.to_value(); });
  record_round_trip(v, "Metrics", amino::metrics_from_value, amino::metrics_to_value);
  return 0;
}
