// Fuzz target: MicroService specs (runtime/spec.h parse_spec) against the built-in DM registry.
// Any text must give a spec or SpecError; an accepted spec crosses the wire (to_value, Protobuf,
// from_value) unchanged, as it does from a kernel server to the OMS, and passes the OMS's own check
// (spec_problem).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dms/all.h"
#include "fuzz/fuzz_check.h"
#include "runtime/spec.h"
#include "runtime/wire.h"

using amino::fuzz::check;
using amino::wire::encode_value;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  amino::MicroServiceSpec spec;
  try {
    spec = amino::parse_spec(yaml, amino::dms::builtin());
  } catch (const amino::SpecError&) {
    return 0;
  }
  const std::string bytes = encode_value(spec.to_value());
  amino::Value received;
  try {
    received = amino::wire::decode_value(bytes);
  } catch (const amino::SystemError& e) {
    check(false, "an accepted spec's Value decodes on the receiver", e.what());
  }
  const amino::MicroServiceSpec back = amino::MicroServiceSpec::from_value(received);
  check(encode_value(back.to_value()) == bytes, "from_value(to_value(spec)) == spec", spec.to_value().to_string());
  check(!back.dms.empty(), "a parsed spec has a DM chain");
  // The OMS re-checks a received spec with spec_problem: what parse_spec accepts, it must accept.
  const auto problem = amino::spec_problem(back, amino::dms::builtin());
  check(!problem, "spec_problem accepts what parse_spec accepted", problem.value_or(""));
  return 0;
}
