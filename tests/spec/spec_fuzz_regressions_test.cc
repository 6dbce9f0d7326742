// Inputs fuzz/spec_yaml_fuzz found that once hung or crashed parse_spec; each must now be a prompt
// SpecError.
#include "runtime/wire.h"
#include "tests/spec/test_registry.h"

namespace amino {
namespace {

using testing::expect_spec_error;
using testing::test_registry;

// yaml-cpp 0.7's LoadAll looped forever, allocating, on a stream starting with ',' (issue #1040).
TEST(SpecFuzzRegressions, LeadingCommaIsAnErrorNotAHang) {
  for (const std::string_view yaml : {",", ", x", ",\nclass: Counter\n"}) {
    try {
      parse_spec(yaml, test_registry());
      FAIL() << "accepted '" << yaml << "'";
    } catch (const SpecError& e) {
      EXPECT_EQ(e.line(), 1) << e.what();
      EXPECT_NE(std::string(e.what()).find("malformed YAML"), std::string::npos) << e.what();
    }
  }
}

// A spec string that is not UTF-8 was accepted, and the OMS then failed to decode the create
// (Protobuf strings must be UTF-8). Now the parser names the line (and the field when it can).
TEST(SpecFuzzRegressions, NonUtf8TextIsAnError) {
  expect_spec_error("class: Counter\nname: b\xBBoard\n", 2, "", "must be UTF-8");
  expect_spec_error("class: Counter\nargs: [\"\xED\xA0\x80\"]\n", 2, "", "must be UTF-8");  // a surrogate
  expect_spec_error("class: Counter\nargs: [\"\xC0\xAF\"]\n", 2, "", "must be UTF-8");      // overlong '/'
  expect_spec_error("class: Counter\nargs: [\"\xF4\x90\x80\x80\"]\n", 2, "", "must be UTF-8");  // > U+10FFFF
  expect_spec_error("class: Counter\nargs: [\"\xE2\x82\"]\n", 2, "", "must be UTF-8");  // truncated
  // yaml-cpp turned a raw NUL into other bytes ("a\0b" read as "a\x08 ", "a\x0c\0_" as
  // "a\x0c\xa0", not UTF-8): raw control characters are not YAML (c-printable) and are refused.
  expect_spec_error(std::string_view("class: Counter\nname: a\0b\n", 25), 2, "", "printable");
  expect_spec_error("class: Counter\nname: boa\x0c_d\n", 2, "", "printable");
  expect_spec_error("class: Counter\nname: boa\x7f\n", 2, "", "printable");         // DEL
  expect_spec_error("class: Counter\nname: boa\xC2\x80\n", 2, "", "printable");     // U+0080, a C1 control
  expect_spec_error("class: Counter\nname: boa\xEF\xBF\xBE\n", 2, "", "printable");  // U+FFFE
  // Escapes of control characters are fine: they are the YAML way to write them.
  const MicroServiceSpec escaped = parse_spec("class: Counter\nargs: [\"a\\0b\\t\"]\n", test_registry());
  EXPECT_EQ(escaped.args.at(0), Value(std::string("a\0b\t", 4)));
  // Well-formed multi-byte text still parses, and its Value crosses the wire.
  const MicroServiceSpec spec = parse_spec("class: Counter\nargs: [\"\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"]\n",
                                           test_registry());
  EXPECT_EQ(wire::decode_value(wire::encode_value(spec.to_value())), spec.to_value());
}

// UTF-8 text whose YAML reading is not UTF-8: yaml-cpp read "\0_" in a plain scalar as a lone 0xA0
// byte; the spec was accepted and the OMS would have refused the create as a malformed frame.
TEST(SpecFuzzRegressions, AStringThatReadsAsNonUtf8IsAnError) {
  const std::string yaml("name: boa\x0c\x00_dtrueynamic\nclass: Counter\n", 39);
  try {
    const MicroServiceSpec spec = parse_spec(yaml, test_registry());
    // Accepted only if what was read crosses the wire.
    EXPECT_EQ(wire::decode_value(wire::encode_value(spec.to_value())), spec.to_value());
  } catch (const SpecError& e) {
    EXPECT_EQ(e.line(), 1) << e.what();
    // The raw NUL and form feed are refused as non-printable text before yaml-cpp reads them; the
    // check of every scalar as read stays behind it.
    const std::string what = e.what();
    EXPECT_TRUE(what.find("printable") != std::string::npos || what.find("not UTF-8 once read") != std::string::npos)
        << what;
  }
}

}  // namespace
}  // namespace amino
