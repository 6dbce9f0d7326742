// The DM descriptors are the one source of DM metadata (dms/catalogue.h): docs/dm-catalogue.md is
// generated from them and must not drift, every built-in DM is fully described, and the renderings
// (markdown, amino-ctl text, Values for Python) show every field.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "dms/all.h"
#include "dms/catalogue.h"

namespace amino::testing {
namespace {

const std::string kSource = AMINO_SOURCE_DIR;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The first line where two texts differ, for a readable failure.
std::string first_difference(const std::string& committed, const std::string& generated) {
  std::istringstream a(committed), b(generated);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, la));
    const bool more_b = static_cast<bool>(std::getline(b, lb));
    if (!more_a && !more_b) return "(texts differ only in the final newline)";
    if (!more_a || !more_b || la != lb) {
      return "line " + std::to_string(line) + ":\n  committed: " + (more_a ? la : "<end of file>") +
             "\n  generated: " + (more_b ? lb : "<end of text>");
    }
  }
}

TEST(DmCatalogue, DocsMatchTheDescriptors) {
  const std::string path = kSource + "/docs/dm-catalogue.md";
  const std::string committed = read_file(path);
  const std::string generated = dms::catalogue_markdown(dms::builtin());
  EXPECT_TRUE(committed == generated)
      << path << " is not what the DM descriptors generate; regenerate it with\n  cd " << kSource << " && "
      << AMINO_CTL << " dms --markdown > docs/dm-catalogue.md\n(that is `" << dms::kCatalogueCommand
      << "`). First difference, " << first_difference(committed, generated);
}

TEST(DmCatalogue, EveryBuiltinDmIsFullyDescribed) {
  const DmRegistry& registry = dms::builtin();
  for (const auto& name : registry.names()) {
    SCOPED_TRACE(name);
    const DmDescriptor& d = *registry.find(name);
    EXPECT_FALSE(d.summary.empty());
    EXPECT_EQ(d.summary.find('\n'), std::string::npos) << "a summary is one line";
    EXPECT_FALSE(d.paper.empty());
    EXPECT_FALSE(d.guarantee.empty());
    EXPECT_FALSE(d.tolerates.empty());
    EXPECT_TRUE(std::filesystem::exists(kSource + "/" + d.source)) << "source '" << d.source << "'";
    for (const auto& key : d.config) EXPECT_FALSE(key.doc.empty()) << key.name;
    if (!d.category.empty()) EXPECT_TRUE(registry.categories().contains(d.category)) << "undescribed category " << d.category;
  }
}

TEST(DmCatalogue, MarkdownShowsEveryFieldOfADescriptor) {
  const std::string md = dms::catalogue_markdown(dms::builtin());
  const DmDescriptor& rsm = *dms::builtin().find("ConsensusRSM-P2P");
  for (const std::string& text : {rsm.guarantee, rsm.tolerates, rsm.caveats, rsm.paper, rsm.source}) {
    EXPECT_NE(md.find(text), std::string::npos) << text;
  }
  EXPECT_NE(md.find("| `replicas` | int | `3` | 1 .. 64 | number of replicas"), std::string::npos);
  EXPECT_NE(md.find("| `deviceLabel` | string | `\"role=client\"` | — |"), std::string::npos);
  EXPECT_NE(md.find("| `multiplier` | double | `2.0` | 1.0 .. 100.0 |"), std::string::npos);
  EXPECT_NE(md.find("| `offloadMethods` | list | `[]` | — |"), std::string::npos);
}

// Rules are merged into rows by reason and inner set; categories list their members and reason.
TEST(DmCatalogue, CompatibilityTablesComeFromTheRegistry) {
  DmRegistry r;
  for (const char* name : {"A", "B", "C", "D"}) {
    DmDescriptor d;
    d.name = name;
    d.category = std::string(name) == "A" || std::string(name) == "B" ? "pair" : "";
    r.add(d);
  }
  r.describe_category("pair", "they fight");
  r.forbid("A", "C", "reason one");
  r.forbid("B", "C", "reason one");
  r.forbid("A", "D", "reason two");
  r.forbid("C", "D", "reason three");
  const std::string md = dms::catalogue_markdown(r);
  EXPECT_NE(md.find("- **pair**: A, B. Why: they fight."), std::string::npos) << md;
  EXPECT_NE(md.find("| A, B | C | reason one |"), std::string::npos) << md;
  EXPECT_NE(md.find("| A | D | reason two |"), std::string::npos) << md;
  EXPECT_NE(md.find("| C | D | reason three |"), std::string::npos) << md;
  const std::string a = dms::dm_text(r, *r.find("A"));
  EXPECT_NE(a.find("not in one chain with B (category pair)"), std::string::npos) << a;
  EXPECT_NE(a.find("not listed before C: reason one"), std::string::npos) << a;
  const std::string d = dms::dm_text(r, *r.find("D"));
  EXPECT_NE(d.find("not listed after A: reason two"), std::string::npos) << d;
}

TEST(DmCatalogue, CommandListsDescribesAndRejects) {
  const DmRegistry& registry = dms::builtin();
  const std::string list = dms::catalogue_command(registry, {}, false);
  for (const auto& name : registry.names()) {
    EXPECT_NE(list.find(name + " "), std::string::npos) << name;
    EXPECT_NE(list.find(registry.find(name)->summary), std::string::npos) << name;
  }
  const std::string one = dms::catalogue_command(registry, {"AtLeastOnceRPC"}, false);
  EXPECT_NE(one.find("timeoutMs (int, default 20000, range 1 .. 86400000)"), std::string::npos) << one;
  EXPECT_NE(one.find("Guarantee:"), std::string::npos);
  EXPECT_NE(one.find("Tolerates:"), std::string::npos);
  EXPECT_EQ(dms::catalogue_command(registry, {}, true), dms::catalogue_markdown(registry));
  try {
    dms::catalogue_command(registry, {"NoSuchDM"}, false);
    ADD_FAILURE() << "no error for an unknown DM";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("unknown DM 'NoSuchDM' (registered: AtLeastOnceRPC,"), std::string::npos) << e.what();
  }
  EXPECT_THROW(dms::catalogue_command(registry, {"DefaultDM", "Immutable"}, false), std::invalid_argument);
  EXPECT_THROW(dms::catalogue_command(registry, {"DefaultDM"}, true), std::invalid_argument);
}

TEST(DmCatalogue, DescriptorValueHoldsEveryField) {
  const Value v = dms::descriptor_value(*dms::builtin().find("WriteThroughCaching"));
  EXPECT_EQ(v.at("name").as_string(), "WriteThroughCaching");
  EXPECT_EQ(v.at("category").as_string(), "caching");
  for (const char* field : {"summary", "paper", "source", "guarantee", "tolerates", "caveats"}) {
    EXPECT_FALSE(v.at(field).as_string().empty()) << field;
  }
  EXPECT_FALSE(v.at("durable").as_bool());
  const Value& key = v.at("config").as_list().at(0);
  EXPECT_EQ(key.at("name").as_string(), "refreshMs");
  EXPECT_EQ(key.at("type").as_string(), "int");
  EXPECT_EQ(key.at("default").as_int(), 1000);
  EXPECT_EQ(key.at("min").as_int(), 0);
  EXPECT_EQ(key.at("max").as_int(), kMaxTimeoutMs);
  EXPECT_FALSE(key.at("doc").as_string().empty());
}

}  // namespace
}  // namespace amino::testing
