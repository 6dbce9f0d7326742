// Fuzz target: JSON text -> Value (runtime/value_json.h parse_json_value), the form of amino-ctl
// arguments, Python scenario arguments and result files. Any text must give a Value or
// std::invalid_argument (LimitExceeded for nesting); an accepted Value survives JSON text and the
// wire unchanged.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "runtime/value_json.h"
#include "runtime/wire.h"

using amino::fuzz::check;
using amino::wire::encode_value;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  amino::Value v;
  try {
    v = amino::parse_json_value(text);
  } catch (const std::invalid_argument&) {  // malformed JSON, or LimitExceeded
    return 0;
  }
  const std::string bytes = encode_value(v);
  const amino::Value via_text = amino::parse_json_value(amino::to_json(v).dump());
  check(encode_value(via_text) == bytes, "from_json(to_json(v) as text) == v", v.to_string());
  check(encode_value(amino::wire::decode_value(bytes)) == bytes, "a JSON Value crosses the wire", v.to_string());
  return 0;
}
