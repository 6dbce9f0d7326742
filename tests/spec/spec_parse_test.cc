// parse_spec: what a good spec turns into, and, for every class of mistake, the exact line and
// field path the SpecError names.
#include "tests/spec/test_registry.h"

namespace amino {
namespace {

using testing::expect_spec_error;
using testing::test_registry;

constexpr std::string_view kBoardSpec = R"(name: board
class: Board
args: [8, 2.5, true, hello, "42", [1, 2], {k: v}, ~, 0x10]
nodeSelector:
  - - {key: region, operator: in, values: [cloud]}
  - - {key: tier, operator: exists}
dmList:
  - name: AtLeastOnceRPC
    config: {timeoutMs: 2000}
  - name: ConsensusRSM
    config: {replicas: 5, peers: [n1, n2], tuning: {electionMs: 150}}
    nodeSelector: [{key: tier, operator: "=", values: [gold]}]
)";

TEST(ParseSpec, KeepsNameClassAndDmOrder) {
  MicroServiceSpec spec = parse_spec(kBoardSpec, test_registry());
  EXPECT_EQ(spec.name, "board");
  EXPECT_EQ(spec.class_name, "Board");
  EXPECT_EQ(spec.dm_names(), (std::vector<std::string>{"AtLeastOnceRPC", "ConsensusRSM"}));
  EXPECT_EQ(spec.dms[0].line, 8);
  EXPECT_EQ(spec.dms[1].line, 10);
}

TEST(ParseSpec, ConvertsArgsToTypedValues) {
  const ValueList args = parse_spec(kBoardSpec, test_registry()).args;
  ASSERT_EQ(args.size(), 9u);
  EXPECT_EQ(args[0], Value(8));
  EXPECT_EQ(args[1], Value(2.5));
  EXPECT_EQ(args[2], Value(true));
  EXPECT_EQ(args[3], Value("hello"));
  EXPECT_EQ(args[4], Value("42"));  // quoted: stays a string
  EXPECT_EQ(args[5], Value(ValueList{1, 2}));
  EXPECT_EQ(args[6], Value(ValueMap{{"k", "v"}}));
  EXPECT_TRUE(args[7].is_null());
  EXPECT_EQ(args[8], Value(16));
}

TEST(ParseSpec, ValidatesConfigAndFillsDefaults) {
  MicroServiceSpec spec = parse_spec(kBoardSpec, test_registry());
  const DmConfig& rpc = spec.dms[0].config;
  EXPECT_EQ(rpc.at("timeoutMs"), Value(2000));
  EXPECT_EQ(rpc.at("backoff"), Value(1.5));  // default
  const DmConfig& rsm = spec.dms[1].config;
  EXPECT_EQ(rsm.at("replicas"), Value(5));
  EXPECT_EQ(rsm.at("strict"), Value(true));   // default
  EXPECT_EQ(rsm.at("label"), Value("raft"));  // default
  EXPECT_EQ(rsm.at("peers"), Value(ValueList{"n1", "n2"}));
  EXPECT_EQ(rsm.at("tuning"), Value(ValueMap{{"electionMs", 150}}));
}

TEST(ParseSpec, DoubleConfigAcceptsIntegers) {
  MicroServiceSpec spec =
      parse_spec("class: A\ndmList: [{name: AtLeastOnceRPC, config: {backoff: 2}}]\n", test_registry());
  const Value& backoff = spec.dms[0].config.at("backoff");
  EXPECT_EQ(backoff.kind(), Value::Kind::kDouble);
  EXPECT_EQ(backoff.as_double(), 2.0);
}

TEST(ParseSpec, ReadsBothSelectorFormsAndPerDmSelectors) {
  MicroServiceSpec spec = parse_spec(kBoardSpec, test_registry());
  ASSERT_EQ(spec.selector.terms.size(), 2u);  // list of terms
  EXPECT_EQ(spec.selector.terms[0][0].op, Requirement::Op::kIn);
  EXPECT_EQ(spec.selector.terms[0][0].values, std::vector<std::string>{"cloud"});
  EXPECT_EQ(spec.selector.terms[1][0].op, Requirement::Op::kExists);
  const NodeSelector& own = spec.dms[1].selector;  // single-term form
  ASSERT_EQ(own.terms.size(), 1u);
  EXPECT_EQ(own.terms[0][0].key, "tier");
  EXPECT_EQ(own.terms[0][0].op, Requirement::Op::kEquals);
}

TEST(ParseSpec, SelectorForPrefersTheDmsOwnSelector) {
  MicroServiceSpec spec = parse_spec(kBoardSpec, test_registry());
  EXPECT_EQ(&spec.selector_for(0), &spec.selector);         // AtLeastOnceRPC has none
  EXPECT_EQ(&spec.selector_for(1), &spec.dms[1].selector);  // ConsensusRSM has its own
  EXPECT_THROW(spec.selector_for(2), std::out_of_range);
}

TEST(ParseSpec, AbsentOrEmptyDmListMeansDefaultDm) {
  for (std::string_view yaml : {"class: A\n", "class: A\ndmList: []\n", "class: A\ndmList:\n"}) {
    MicroServiceSpec spec = parse_spec(yaml, test_registry());
    EXPECT_EQ(spec.dm_names(), std::vector<std::string>{"DefaultDM"}) << yaml;
    EXPECT_TRUE(spec.name.empty());
    EXPECT_TRUE(spec.args.empty());
    EXPECT_TRUE(spec.selector.empty());
  }
}

TEST(ParseSpec, EmptyDmListWithoutDefaultDmIsAnError) {
  expect_spec_error("class: A\ndmList: []\n", 2, "dmList", "no DefaultDM", test_registry(false));
}

// --- errors: document level ------------------------------------------------------------------

TEST(SpecErrors, WhatNamesLineFieldAndProblem) {
  constexpr std::string_view yaml = R"(class: A
dmList:
  - name: KeepInCloud
  - name: AtLeastOnceRPC
    config:
      backoff: 2
      timeoutMs: soon
)";
  try {
    parse_spec(yaml, test_registry());
    FAIL() << "no SpecError";
  } catch (const SpecError& e) {
    EXPECT_STREQ(e.what(), "spec line 7, field dmList[1].config.timeoutMs: expected int, got string");
  }
}

TEST(SpecErrors, MalformedYamlReportsTheParserLine) {
  expect_spec_error("class: A\nname: x\nbad: a: b\n", 3, "", "malformed YAML");
}

TEST(SpecErrors, TopLevelMustBeAMap) {
  expect_spec_error("- class: A\n- class: B\n", 1, "", "must be a map at the top level, got list");
  expect_spec_error("just words\n", 1, "", "got scalar");
  expect_spec_error("", 1, "", "empty");
}

TEST(SpecErrors, OnlyOneDocument) {
  expect_spec_error("class: A\n---\nclass: B\n", 3, "", "one YAML document");
}

TEST(SpecErrors, UnknownTopLevelKey) {
  expect_spec_error("class: A\ncolour: red\n", 2, "colour", "unknown top-level field 'colour'");
}

TEST(SpecErrors, DuplicateKey) {
  expect_spec_error("class: A\nname: x\nclass: B\n", 3, "class", "duplicate field 'class'");
}

TEST(SpecErrors, MissingOrEmptyClass) {
  expect_spec_error("name: board\nargs: []\n", 1, "class", "required field 'class' is missing");
  expect_spec_error("name: board\nclass: ''\n", 2, "class", "must not be empty");
  expect_spec_error("class: [A]\n", 1, "class", "expected string, got list");
}

TEST(SpecErrors, ArgsMustBeAList) {
  expect_spec_error("class: A\nargs: {x: 1}\n", 2, "args", "expected a list");
}

// --- errors: dmList ----------------------------------------------------------------------------

TEST(SpecErrors, UnknownDm) {
  expect_spec_error(R"(class: A
dmList:
  - name: AtLeastOnceRPC
  - name: Teleport
)",
                    4, "dmList[1].name", "unknown DM 'Teleport'");
}

TEST(SpecErrors, UnknownDmEntryField) {
  expect_spec_error(R"(class: A
dmList:
  - name: AtLeastOnceRPC
    configs: {timeoutMs: 5}
)",
                    4, "dmList[0].configs", "unknown dmList entry field 'configs'");
}

TEST(SpecErrors, DmEntryNeedsAName) {
  expect_spec_error("class: A\ndmList:\n  - config: {}\n", 3, "dmList[0].name", "required field 'name'");
}

TEST(SpecErrors, UnknownConfigKey) {
  expect_spec_error(R"(class: A
dmList:
  - name: AtLeastOnceRPC
    config:
      timeoutMs: 5
      retries: 3
)",
                    6, "dmList[0].config.retries", "unknown config key 'retries' for DM AtLeastOnceRPC");
}

TEST(SpecErrors, WrongConfigTypes) {
  expect_spec_error("class: A\ndmList: [{name: AtLeastOnceRPC, config: {timeoutMs: 2.5}}]\n", 2,
                    "dmList[0].config.timeoutMs", "expected int, got double");
  expect_spec_error("class: A\ndmList: [{name: AtLeastOnceRPC, config: {timeoutMs: '5'}}]\n", 2,
                    "dmList[0].config.timeoutMs", "expected int, got string");
  expect_spec_error("class: A\ndmList:\n- name: ConsensusRSM\n  config:\n    strict: maybe\n", 5,
                    "dmList[0].config.strict", "expected bool, got string");
  expect_spec_error("class: A\ndmList:\n- name: ConsensusRSM\n  config:\n    peers: n1\n", 5,
                    "dmList[0].config.peers", "expected list, got string");
  expect_spec_error("class: A\ndmList:\n- name: ConsensusRSM\n  config:\n    label: 7\n", 5,
                    "dmList[0].config.label", "expected string, got int");
  expect_spec_error("class: A\ndmList:\n- name: ConsensusRSM\n  config: [replicas, 3]\n", 4,
                    "dmList[0].config", "expected a map");
}

TEST(SpecErrors, DuplicateDm) {
  expect_spec_error(R"(class: A
dmList:
  - name: AtLeastOnceRPC
  - name: KeepInCloud
  - name: AtLeastOnceRPC
)",
                    5, "dmList", "DM 'AtLeastOnceRPC' is listed twice");
}

TEST(SpecErrors, SameCategoryDms) {
  expect_spec_error(R"(class: A
dmList:
  - name: KeepInCloud
  - name: KeepOnDevice
  - name: AtLeastOnceRPC
)",
                    4, "dmList", "KeepInCloud and KeepOnDevice are both placement DMs: mutually exclusive");
}

TEST(SpecErrors, ForbiddenPairBlamesTheLaterDm) {
  expect_spec_error(R"(class: A
dmList:
  - name: ConsensusRSM
  - name: KeepInCloud
  - name: AtLeastOnceRPC
)",
                    5, "dmList", "LeaderException");
}

// --- errors: selectors --------------------------------------------------------------------------

TEST(SpecErrors, BadOperator) {
  expect_spec_error(R"(class: A
nodeSelector:
  - - {key: region, operator: in, values: [a]}
    - {key: zone, operator: like, values: [b]}
)",
                    4, "nodeSelector[0][1].operator", "unknown operator 'like'");
}

TEST(SpecErrors, EqualsWithTwoValues) {
  expect_spec_error(R"(class: A
dmList:
  - name: ConsensusRSM
    nodeSelector:
      - key: tier
        operator: "="
        values: [gold, silver]
)",
                    7, "dmList[0].nodeSelector[0].values", "operator '=' needs exactly one value, got 2");
}

TEST(SpecErrors, OperatorArity) {
  expect_spec_error("class: A\nnodeSelector: [{key: k, operator: in, values: []}]\n", 2,
                    "nodeSelector[0].values", "'in' needs at least one value");
  expect_spec_error("class: A\nnodeSelector: [{key: k, operator: notin}]\n", 2, "nodeSelector[0].values",
                    "'notin' needs at least one value");
  expect_spec_error("class: A\nnodeSelector: [{key: k, operator: exists, values: [x]}]\n", 2,
                    "nodeSelector[0].values", "takes no values, got 1");
}

TEST(SpecErrors, MalformedRequirements) {
  expect_spec_error("class: A\nnodeSelector:\n  - {operator: exists}\n", 3, "nodeSelector[0].key",
                    "required field 'key'");
  expect_spec_error("class: A\nnodeSelector:\n  - {key: k}\n", 3, "nodeSelector[0].operator",
                    "required field 'operator'");
  expect_spec_error("class: A\nnodeSelector:\n  - {key: k, operator: exists, value: x}\n", 3,
                    "nodeSelector[0].value", "unknown requirement field 'value'");
  expect_spec_error(
      "class: A\nnodeSelector:\n  - [{key: k, operator: exists}]\n  - {key: k, operator: exists}\n", 4,
      "nodeSelector[1]", "expected a term");
  expect_spec_error("class: A\nnodeSelector:\n  - []\n", 3, "nodeSelector[0]", "empty term");
  expect_spec_error("class: A\nnodeSelector: {key: k, operator: exists}\n", 2, "nodeSelector",
                    "expected a list");
}

}  // namespace
}  // namespace amino
