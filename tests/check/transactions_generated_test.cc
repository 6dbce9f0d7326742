// The transactional checker on histories of real executions (tests/check/txn_store.h): a
// serializable store's 10,000 transactions pass at every level without a false positive, and a
// store weakened to read committed (interleaved reads without locks) is caught at serializable.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "testbed/check/history_jsonl.h"
#include "testbed/check/transactions.h"
#include "tests/check/txn_store.h"

namespace amino::check {
namespace {

using testing::Isolation;
using testing::StoreRun;
using testing::TxnStore;

TxnCheckResult check(const History& h, TxnModel model, const std::string& level) {
  TxnCheckOptions o;
  o.model = model;
  o.consistency = level;
  return check_transactions(h, o);
}

class SerialStore : public ::testing::TestWithParam<TxnModel> {};

TEST_P(SerialStore, TenThousandTransactionsPassEveryLevel) {
  StoreRun run;
  run.model = GetParam();
  run.processes = 10;
  run.keys = 30;
  run.transactions = 10'000;
  run.seed = 11;
  const History h = TxnStore(run).record();
  ASSERT_EQ(h.operations().size(), 10'000u);
  // For measuring the checker alone (pybind/README.md): AMINO_SAVE_TXN_HISTORY=DIR keeps the history.
  if (const char* dir = std::getenv("AMINO_SAVE_TXN_HISTORY")) {
    std::ofstream out(std::string(dir) + "/serial-" + to_string(run.model) + "-10000.jsonl");
    write_jsonl(h, out);
  }
  for (const char* level : {"serializable", "strict-serializable"}) {
    const TxnCheckResult r = check(h, run.model, level);
    EXPECT_TRUE(r.valid) << level << ": " << r.summary().substr(0, 4000);
    EXPECT_TRUE(r.complete);
    EXPECT_TRUE(r.anomalies.empty() && r.allowed_anomalies.empty()) << r.summary().substr(0, 4000);
    EXPECT_EQ(r.transactions, 10'000u);
    EXPECT_GT(r.failed, 0u);   // the store aborted some ...
    EXPECT_GT(r.unknown, 0u);  // ... and lost some acknowledgements
    EXPECT_GT(r.ok, 9'000u);
  }
}

INSTANTIATE_TEST_SUITE_P(Models, SerialStore, ::testing::Values(TxnModel::kListAppend, TxnModel::kRwRegister),
                         [](const auto& info) { return info.param == TxnModel::kListAppend ? "ListAppend" : "RwRegister"; });

TEST(SerialStore, TheHistoryRoundTripsThroughJsonLines) {
  StoreRun run;
  run.transactions = 500;
  const History h = TxnStore(run).record();
  std::ostringstream out;
  write_jsonl(h, out);
  const History back = parse_jsonl(out.str());
  const TxnCheckResult a = check(h, run.model, "strict-serializable");
  const TxnCheckResult b = check(back, run.model, "strict-serializable");
  EXPECT_TRUE(b.valid) << b.summary();
  EXPECT_EQ(a.to_json(), b.to_json());
}

class WeakenedStore : public ::testing::TestWithParam<TxnModel> {};

TEST_P(WeakenedStore, ReadCommittedStoreIsCaughtAtSerializable) {
  const std::set<std::string> expected{"G-single", "G2-item", "G-nonadjacent", "lost-update"};
  std::set<std::string> seen;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    StoreRun run;
    run.model = GetParam();
    run.isolation = Isolation::kReadCommitted;
    run.processes = 6;
    run.keys = 4;
    run.transactions = 300;
    run.seed = seed;
    const History h = TxnStore(run).record();
    // What the store does guarantee holds: no aborted, intermediate or circular reads.
    const TxnCheckResult rc = check(h, run.model, "read-committed");
    EXPECT_TRUE(rc.valid) << "seed " << seed << ": " << rc.summary().substr(0, 4000);
    // What it claims beyond that does not.
    const TxnCheckResult ser = check(h, run.model, "serializable");
    EXPECT_FALSE(ser.valid) << "seed " << seed;
    for (const auto& t : ser.anomaly_types()) {
      EXPECT_TRUE(expected.count(t)) << "seed " << seed << ": unexpected " << t << "\n" << ser.summary().substr(0, 4000);
      seen.insert(t);
    }
    EXPECT_FALSE(check(h, run.model, "snapshot-isolation").valid) << "seed " << seed;  // lost updates, read skew
  }
  EXPECT_TRUE(seen.count("G-single") || seen.count("G2-item"));
  EXPECT_TRUE(seen.count("lost-update"));
}

TEST(WeakenedStore, SameSeedSameHistorySameVerdict) {
  StoreRun run;
  run.isolation = Isolation::kReadCommitted;
  run.transactions = 200;
  run.seed = 3;
  const TxnCheckResult a = check(TxnStore(run).record(), run.model, "serializable");
  const TxnCheckResult b = check(TxnStore(run).record(), run.model, "serializable");
  EXPECT_EQ(a.to_json(), b.to_json());
}

INSTANTIATE_TEST_SUITE_P(Models, WeakenedStore, ::testing::Values(TxnModel::kListAppend, TxnModel::kRwRegister),
                         [](const auto& info) { return info.param == TxnModel::kListAppend ? "ListAppend" : "RwRegister"; });

}  // namespace
}  // namespace amino::check
