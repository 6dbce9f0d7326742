// MicroServiceSpec::to_value/from_value (the OMS <-> kernel wire form) and load_spec_file.
#include <filesystem>
#include <fstream>

#include "runtime/wire.h"
#include "tests/spec/test_registry.h"

namespace amino {
namespace {

constexpr std::string_view kSpec = R"(name: board
class: Board
args: [8, 2.5, [x, {y: true}]]
nodeSelector: [[{key: region, operator: in, values: [cloud, lab]}], [{key: gpu, operator: exists}]]
dmList:
  - name: AtLeastOnceRPC
    config: {timeoutMs: 2000}
  - name: ConsensusRSM
    nodeSelector: [{key: tier, operator: notin, values: [bronze]}]
)";

void expect_same(const MicroServiceSpec& a, const MicroServiceSpec& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.class_name, b.class_name);
  EXPECT_EQ(a.args, b.args);
  EXPECT_EQ(a.selector.to_string(), b.selector.to_string());
  ASSERT_EQ(a.dms.size(), b.dms.size());
  for (std::size_t i = 0; i < a.dms.size(); ++i) {
    EXPECT_EQ(a.dms[i].name, b.dms[i].name);
    EXPECT_EQ(a.dms[i].config, b.dms[i].config);
    EXPECT_EQ(a.dms[i].selector.to_string(), b.dms[i].selector.to_string());
    EXPECT_EQ(a.dms[i].line, b.dms[i].line);
  }
}

TEST(SpecValue, RoundTripsLosslessly) {
  MicroServiceSpec spec = parse_spec(kSpec, testing::test_registry());
  MicroServiceSpec back = MicroServiceSpec::from_value(spec.to_value());
  expect_same(spec, back);
  EXPECT_EQ(back.to_value(), spec.to_value());
}

TEST(SpecValue, RoundTripsThroughTheWireEncoding) {
  MicroServiceSpec spec = parse_spec(kSpec, testing::test_registry());
  Value decoded = wire::decode_value(wire::encode_value(spec.to_value()));
  expect_same(spec, MicroServiceSpec::from_value(decoded));
}

TEST(SpecValue, FromValueRejectsIncompleteRecords) {
  EXPECT_THROW(MicroServiceSpec::from_value(ValueMap{{"class", "A"}}), SystemError);
}

TEST(LoadSpecFile, ParsesAFile) {
  const auto path = std::filesystem::temp_directory_path() / "amino_spec_tests_load_spec_file.yaml";
  std::ofstream(path) << kSpec;
  MicroServiceSpec spec = load_spec_file(path.string(), testing::test_registry());
  std::filesystem::remove(path);
  EXPECT_EQ(spec.class_name, "Board");
  EXPECT_EQ(spec.dms.size(), 2u);
}

TEST(LoadSpecFile, UnreadableFileIsLineZeroFieldFile) {
  const std::vector<std::string> unreadable = {"/nonexistent/dir/spec.yaml",
                                               std::filesystem::temp_directory_path().string()};
  for (const std::string& path : unreadable) {
    try {
      load_spec_file(path, testing::test_registry());
      ADD_FAILURE() << "no SpecError for " << path;
    } catch (const SpecError& e) {
      EXPECT_EQ(e.line(), 0);
      EXPECT_EQ(e.field(), "file");
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace amino
