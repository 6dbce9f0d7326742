// Spec limits (runtime/limits.h): text size, alias expansion (nodes and scalar bytes), nesting, key
// length and encoded constructor arguments. Each over-limit spec is a SpecError naming the limit
// and a line; none is walked beyond the limit (these tests finish at once by construction: without
// the limits the alias bomb below is 9^9 = 387 million nodes).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "dms/all.h"
#include "runtime/limits.h"
#include "runtime/spec.h"

namespace amino {
namespace {

#ifndef AMINO_INPUT_DATA_DIR
#error "AMINO_INPUT_DATA_DIR must point at tests/input/data"
#endif

// Parses `yaml`; the SpecError it must throw.
SpecError spec_error(const std::string& yaml) {
  try {
    parse_spec(yaml, dms::builtin());
  } catch (const SpecError& e) {
    return e;
  }
  ADD_FAILURE() << "no SpecError for a spec of " << yaml.size() << " bytes";
  return SpecError(0, "", "none");
}

void expect_names(const SpecError& e, const std::string& text) {
  EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << "'" << e.what() << "' lacks '" << text << "'";
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The issue's reproduction: a ~350-byte "billion laughs" (nine levels of nine aliases) took 27 s
// and 3 GB before bad_alloc, in amino-ctl and in the Python process.
TEST(SpecLimits, AliasBombStopsAtTheNodeBudgetWithALine) {
  const std::string bomb = read_file(std::string(AMINO_INPUT_DATA_DIR) + "/alias_bomb.yaml");
  ASSERT_LT(bomb.size(), 400u);
  const SpecError e = spec_error(bomb);
  expect_names(e, "kMaxSpecNodes = 100000");
  expect_names(e, "aliased node counts once per use");
  EXPECT_GE(e.line(), 3);  // inside args, where the anchors are
  EXPECT_EQ(e.field().rfind("args[", 0), 0u) << e.field();
  EXPECT_THROW(load_spec_file(std::string(AMINO_INPUT_DATA_DIR) + "/alias_bomb.yaml", dms::builtin()), SpecError);
}

// A few aliases are fine: the budget counts expanded nodes, it does not forbid aliases.
TEST(SpecLimits, ModestAliasesStillParse) {
  const MicroServiceSpec spec = parse_spec("class: C\nargs:\n - &a [1, 2, 3]\n - *a\n - *a\n", dms::builtin());
  ASSERT_EQ(spec.args.size(), 3u);
  EXPECT_EQ(spec.args[2], (Value(ValueList{1, 2, 3})));
}

// One big scalar aliased many times: few nodes, many bytes.
TEST(SpecLimits, AliasedBigScalarStopsAtTheScalarByteBudget) {
  std::string yaml = "class: C\nargs:\n - &s \"" + std::string(100000, 'x') + "\"\n - [";
  for (int i = 0; i < 20; ++i) yaml += std::string(i ? "," : "") + "*s";
  yaml += "]\n";
  const SpecError e = spec_error(yaml);
  expect_names(e, "kMaxSpecScalarBytes = 1048576");
  EXPECT_EQ(e.line(), 3);  // the anchored scalar
}

TEST(SpecLimits, NestingBeyondTheDepthLimitNamesItAndTheLine) {
  const int depth = kMaxSpecDepth;  // args' list is level 2, so depth more lists inside exceed it
  const std::string yaml = "class: C\nargs: " + std::string(depth, '[') + std::string(depth, ']') + "\n";
  const SpecError e = spec_error(yaml);
  expect_names(e, "nested deeper than 64 levels");
  expect_names(e, "kMaxSpecDepth = 64");
  EXPECT_EQ(e.line(), 2);
  // One level less is accepted.
  EXPECT_NO_THROW(parse_spec("class: C\nargs: " + std::string(depth - 2, '[') + std::string(depth - 2, ']') + "\n",
                             dms::builtin()));
}

// yaml-cpp registers an anchor when its node starts, so an alias inside it refers to itself: the
// walk would never end without the depth limit.
TEST(SpecLimits, SelfReferentialAliasIsStoppedByTheDepthLimit) {
  try {
    parse_spec("class: C\nargs: &x [*x]\n", dms::builtin());
    FAIL() << "accepted a self-referential alias";
  } catch (const SpecError& e) {
    EXPECT_EQ(e.line(), 2) << e.what();
  }
}

TEST(SpecLimits, TextOverTheSizeLimitIsRejectedBeforeParsing) {
  const std::string yaml = "class: C\n#" + std::string(kMaxSpecBytes, 'x') + "\n";
  const SpecError e = spec_error(yaml);
  expect_names(e, "kMaxSpecBytes = 1048576");
  EXPECT_EQ(e.line(), 1);
}

TEST(SpecLimits, OversizedFileIsRejectedWithoutReadingItAll) {
  const std::string path = ::testing::TempDir() + "/big_spec.yaml";
  {
    std::ofstream out(path);
    out << "class: C\n#" << std::string(3 * kMaxSpecBytes, 'x') << "\n";
  }
  try {
    load_spec_file(path, dms::builtin());
    FAIL() << "accepted a 3 MiB spec file";
  } catch (const SpecError& e) {
    expect_names(e, "kMaxSpecBytes");
    expect_names(e, path);
  }
}

TEST(SpecLimits, LongMapKeyNamesTheLimit) {
  const std::string yaml = "class: C\nargs: [{" + std::string(kMaxSpecKeyBytes + 1, 'k') + ": 1}]\n";
  const SpecError e = spec_error(yaml);
  expect_names(e, "kMaxSpecKeyBytes = 256");
  EXPECT_EQ(e.line(), 2);
}

// Within the text, node and scalar budgets, arguments can still encode to more than the OMS takes
// in one create (per-element framing adds bytes).
TEST(SpecLimits, ConstructorArgumentsOverTheEncodedLimit) {
  std::string yaml = "class: C\nargs:\n - \"" + std::string(700000, 'x') + "\"\n - [a";
  for (int i = 0; i < 90000; ++i) yaml += ",a";
  yaml += "]\n";
  ASSERT_LT(yaml.size(), kMaxSpecBytes);
  const SpecError e = spec_error(yaml);
  expect_names(e, "kMaxCreateArgsBytes = 1048576");
  EXPECT_EQ(e.field(), "args");
  EXPECT_EQ(e.line(), 3);
}

// Wide maps used to cost a linear duplicate-key scan per key (quadratic); this one has 40k keys
// (80k nodes: keys count against kMaxSpecNodes too).
TEST(SpecLimits, WideMapsParse) {
  std::string yaml = "class: C\nargs:\n - {";
  for (int i = 0; i < 40000; ++i) yaml += (i ? ", k" : "k") + std::to_string(i) + ": 1";
  yaml += "}\n";
  EXPECT_EQ(parse_spec(yaml, dms::builtin()).args.at(0).as_map().size(), 40000u);
}

}  // namespace
}  // namespace amino
