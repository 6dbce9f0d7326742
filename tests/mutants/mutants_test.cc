// The planted bugs of runtime/mutants.h: a normal build can never run one; a build with
// -DAMINO_MUTANTS=ON selects exactly the one named; docs/mutants.md lists them all.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "runtime/mutants.h"

namespace amino::testing {
namespace {

// "text contains part", printed with both when it fails.
::testing::AssertionResult Contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

std::string refusal(std::string_view name) {
  try {
    select_mutant(name);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

TEST(Mutants, ABuildWithoutThemRefusesEveryName) {
  if constexpr (kMutantsBuilt) GTEST_SKIP() << "this build has mutants (-DAMINO_MUTANTS=ON)";
  EXPECT_TRUE(mutant_names().empty());
  ASSERT_FALSE(mutant_catalogue().empty());
  for (const auto& m : mutant_catalogue()) {
    EXPECT_TRUE(Contains(refusal(m.name), "this build has no mutants: configure with -DAMINO_MUTANTS=ON")) << m.name;
    EXPECT_FALSE(mutant_active(m.mutant)) << m.name;
  }
  EXPECT_TRUE(Contains(refusal("none"), "-DAMINO_MUTANTS=ON"));
  EXPECT_TRUE(Contains(refusal("no_such_mutant"), "-DAMINO_MUTANTS=ON"));
  for (const auto& m : mutant_catalogue()) EXPECT_FALSE(mutant_active(m.mutant)) << m.name;
}

TEST(Mutants, ABuildWithThemActivatesExactlyTheOneNamed) {
  if constexpr (!kMutantsBuilt) GTEST_SKIP() << "needs a build with -DAMINO_MUTANTS=ON";
  EXPECT_EQ(mutant_names().size(), mutant_catalogue().size());
  for (const auto& chosen : mutant_catalogue()) {
    ASSERT_EQ(refusal(chosen.name), "");
    for (const auto& m : mutant_catalogue()) EXPECT_EQ(mutant_active(m.mutant), m.mutant == chosen.mutant) << m.name;
  }
  // An unknown name is refused with the list of known ones and changes nothing.
  const std::string why = refusal("quorum_of_by_one");
  EXPECT_TRUE(Contains(why, "unknown mutant 'quorum_of_by_one'"));
  EXPECT_TRUE(Contains(why, "quorum_off_by_one"));
  EXPECT_TRUE(mutant_active(mutant_catalogue().back().mutant));
  ASSERT_EQ(refusal("none"), "");
  for (const auto& m : mutant_catalogue()) EXPECT_FALSE(mutant_active(m.mutant)) << m.name;
}

TEST(Mutants, EachHasOneNameAndARowInTheDocs) {
  std::ifstream in(std::string(AMINO_SOURCE_DIR) + "/docs/mutants.md");
  ASSERT_TRUE(in) << "docs/mutants.md is missing";
  std::stringstream docs;
  docs << in.rdbuf();
  std::set<std::string> names;
  std::set<Mutant> mutants;
  for (const auto& m : mutant_catalogue()) {
    EXPECT_NE(m.mutant, Mutant::kNone);
    EXPECT_TRUE(names.insert(m.name).second) << "two mutants named " << m.name;
    EXPECT_TRUE(mutants.insert(m.mutant).second) << m.name << " repeats a mutant";
    EXPECT_TRUE(Contains(docs.str(), "| `" + std::string(m.name) + "` | `" + m.file + "` |"))
        << "docs/mutants.md has no row for " << m.name;
  }
  EXPECT_EQ(mutants.size(), static_cast<std::size_t>(Mutant::kRollbackKeepsWrites));  // the last; kNone excluded
}

}  // namespace
}  // namespace amino::testing
