// The transactional checker on Elle's published histories (tests/check/thirdparty/elle): the
// verdicts Elle's own tests assert, entry by entry of manifest.json.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "testbed/check/history_jsonl.h"
#include "testbed/check/transactions.h"

namespace amino::check {
namespace {

const std::string kDir = AMINO_ELLE_DIR;

Json manifest() {
  std::ifstream in(kDir + "/manifest.json");
  return Json::parse(in);
}

TEST(TransactionsThirdParty, ElleHistoriesGetElleVerdicts) {
  const Json m = manifest();
  ASSERT_GE(m.size(), 2u);
  for (const Json& entry : m) {
    std::ifstream in(kDir + "/" + entry["file"].get<std::string>());
    ASSERT_TRUE(in) << entry["file"];
    const History h = read_jsonl(in);
    for (const Json& expect : entry["checks"]) {
      TxnCheckOptions o;
      o.model = txn_model_from(entry["model"].get<std::string>());
      o.consistency = expect["consistency"].get<std::string>();
      const TxnCheckResult r = check_transactions(h, o);
      EXPECT_EQ(r.verdict(), expect["verdict"].get<std::string>())
          << entry["file"] << " at " << o.consistency << " (" << entry["verdict_ref"] << ")\n" << r.summary().substr(0, 3000);
      for (const Json& t : expect.value("anomaly_types_include", Json::array())) {
        EXPECT_TRUE(r.counts.count(t.get<std::string>())) << entry["file"] << ": no " << t << "\n" << r.summary().substr(0, 3000);
      }
    }
  }
}

}  // namespace
}  // namespace amino::check
