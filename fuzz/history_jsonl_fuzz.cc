// Fuzz target: JSON Lines text -> History (testbed/check/history_jsonl.h), the form of history
// files given to `python3 -m amino check` and amino.history.load. Any text must give a History or
// a HistoryError naming a line; an accepted History survives writing and reading back unchanged,
// and the checker answers it (any verdict) within a small step bound, without crashing.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz/fuzz_check.h"
#include "testbed/check/history_jsonl.h"
#include "testbed/check/linearizability.h"

using amino::fuzz::check;
namespace hc = amino::check;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  hc::History h;
  try {
    h = hc::parse_jsonl(text);
  } catch (const hc::HistoryError& e) {
    check(std::string_view(e.what()).substr(0, 5) == "line ", "a history error names its line", e.what());
    return 0;
  }
  std::ostringstream written;
  hc::write_jsonl(h, written);
  const hc::History again = hc::parse_jsonl(written.str());
  std::ostringstream rewritten;
  hc::write_jsonl(again, rewritten);
  check(rewritten.str() == written.str(), "write(read(write(h))) == write(h)", written.str());
  check(again.operations().size() == h.operations().size(), "the same operations after a round trip");
  hc::CheckOptions small;
  small.max_steps_per_key = 2000;
  for (const char* model : {"register", "kv", "counter", "set", "list-append"}) {
    try {
      hc::check_linearizable(h, *hc::make_model(model), small);
    } catch (const std::invalid_argument&) {  // an operation or value this model does not know
    }
  }
  return 0;
}
