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

TEST_P(WeakenedStore, ReadUncommittedStoreIsCaughtAtReadCommitted) {
  std::set<std::string> seen;
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    StoreRun run;
    run.model = GetParam();
    run.isolation = Isolation::kReadUncommitted;
    run.processes = 6;
    run.keys = 4;
    run.transactions = 300;
    run.abort_ratio = 0.1;
    run.seed = seed;
    const TxnCheckResult r = check(TxnStore(run).record(), run.model, "read-committed");
    EXPECT_FALSE(r.valid) << "seed " << seed;
    for (const auto& t : r.anomaly_types()) seen.insert(t);
  }
  EXPECT_TRUE(seen.count("G1a")) << ::testing::PrintToString(seen);  // read an aborted write
  EXPECT_TRUE(seen.count("G1b")) << ::testing::PrintToString(seen);  // read a value overwritten by its own writer
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

namespace amino::check {
namespace {

TEST(TransactionsScale, OneCycleThroughTwentyThousandTransactionsIsFound) {
  // T_i appends to keys i and i+1 (mod n); the reader's lists put T_{i-1} before T_i on key i: one
  // ww cycle through every transaction. Tarjan and the search are iterative, so depth is no limit.
  constexpr int n = 20'000;
  History h;
  for (int i = 0; i < n; ++i) {
    const Json mops = Json::array({Json::array({"append", i, i}), Json::array({"append", (i + 1) % n, i})});
    const int op = h.invoke(i % 16, "txn", std::nullopt, mops, i);
    h.complete(op, EventType::kOk, mops, i);
  }
  Json reads = Json::array();
  for (int k = 0; k < n; ++k) reads.push_back(Json::array({"r", k, Json::array({(k + n - 1) % n, k})}));
  Json invoked = reads;
  for (auto& m : invoked) m[2] = nullptr;
  const int op = h.invoke(99, "txn", std::nullopt, invoked, n);
  h.complete(op, EventType::kOk, reads, n + 1);
  TxnCheckOptions o;
  o.consistency = "read-uncommitted";
  const TxnCheckResult r = check_transactions(h, o);
  ASSERT_EQ(r.anomaly_types(), std::vector<std::string>{"G0"});
  EXPECT_EQ(r.anomalies[0].ops.size(), static_cast<std::size_t>(n));
  EXPECT_NE(r.anomalies[0].explanation.find("G0 cycle of 20000 transactions: #0 -ww-> #2"), std::string::npos)
      << r.anomalies[0].explanation.substr(0, 300);
  EXPECT_NE(r.anomalies[0].explanation.find("... 19960 more edges ..."), std::string::npos);
}

TEST(TransactionsInput, MutatedHistoriesGiveAResultOrATypedErrorNeverACrash) {
  // Random damage to the values of a real history: each check either answers or throws the typed
  // error naming an operation.
  testing::StoreRun run;
  run.transactions = 60;
  const History good = testing::TxnStore(run).record();
  std::mt19937_64 rng(7);
  const std::vector<Json> junk{nullptr, 1.5, true, "s", Json::array(), Json::object(), Json::array({1, 2}),
                               Json::array({"r"}), Json::array({"append", Json::array(), 1}), -1,
                               Json::array({"r", 1, Json::array({Json::array()})})};
  int answered = 0, rejected = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<Event> events = good.events();
    Event& e = events[std::uniform_int_distribution<std::size_t>(0, events.size() - 1)(rng)];
    const Json& j = junk[std::uniform_int_distribution<std::size_t>(0, junk.size() - 1)(rng)];
    if (e.value.is_array() && !e.value.empty() && rng() % 2) {
      Json& mop = e.value[std::uniform_int_distribution<std::size_t>(0, e.value.size() - 1)(rng)];
      if (mop.is_array() && mop.size() == 3 && rng() % 2) {
        mop[std::uniform_int_distribution<std::size_t>(0, 2)(rng)] = j;
      } else {
        mop = j;
      }
    } else {
      e.value = j;
    }
    const History h(std::move(events));
    for (TxnModel model : {TxnModel::kListAppend, TxnModel::kRwRegister}) {
      TxnCheckOptions o;
      o.model = model;
      try {
        check_transactions(h, o);
        ++answered;
      } catch (const TxnHistoryError& err) {
        EXPECT_NE(std::string(err.what()).find("operation #"), std::string::npos) << err.what();
        ++rejected;
      }
    }
  }
  EXPECT_GT(answered, 0);
  EXPECT_GT(rejected, 0);
}

}  // namespace
}  // namespace amino::check
