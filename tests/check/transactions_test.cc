// The transactional checker on minimal histories, one per anomaly it must find and name, and on
// valid ones that must pass at each level.
#include "testbed/check/transactions.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/check/txn_builders.h"

namespace amino::check {
namespace {

using namespace amino::check::testing;  // NOLINT: the builders are the test's vocabulary
using L = Json;                          // L::array({...}): a JSON list, for reads and micro-op lists

TxnCheckResult check(const History& h, const std::string& level = "serializable",
                     TxnModel model = TxnModel::kListAppend) {
  TxnCheckOptions o;
  o.model = model;
  o.consistency = level;
  return check_transactions(h, o);
}
TxnCheckResult reg(const History& h, const std::string& level = "serializable") {
  return check(h, level, TxnModel::kRwRegister);
}
bool has(const TxnCheckResult& r, const std::string& type) {
  const auto t = r.anomaly_types();
  return std::find(t.begin(), t.end(), type) != t.end();
}
const TxnAnomaly& first(const TxnCheckResult& r, const std::string& type) {
  for (const auto& a : r.anomalies) {
    if (a.type == type) return a;
  }
  throw std::logic_error("no " + type + " in\n" + r.summary());
}
std::vector<int> sorted(std::vector<int> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(Transactions, EmptyHistoryIsValid) {
  History h;
  const TxnCheckResult r = check(h);
  EXPECT_TRUE(r.valid);
  EXPECT_EQ(r.verdict(), "valid");
  EXPECT_EQ(r.transactions, 0u);
}

TEST(Transactions, SerialListAppendHistoryIsValidAtEveryLevel) {
  History h;
  ok(h, 0, L::array({append("x", 1), append("y", 1)}), 0, 1);
  ok(h, 1, L::array({r("x", L::array({1})), append("x", 2), r("x", L::array({1, 2}))}), 2, 3);
  ok(h, 0, L::array({r("x", L::array({1, 2})), r("y", L::array({1})), r("z")}), 4, 5);
  for (const auto& level : consistency_levels()) {
    const TxnCheckResult r = check(h, level.name);
    EXPECT_TRUE(r.valid) << level.name << "\n" << r.summary();
    EXPECT_TRUE(r.anomalies.empty() && r.allowed_anomalies.empty()) << r.summary();
  }
}

TEST(Transactions, G0WriteCycleIsFound) {
  History h;
  const int t1 = ok(h, 0, L::array({append("x", 1), append("y", 1)}), 0, 10);
  const int t2 = ok(h, 1, L::array({append("x", 2), append("y", 2)}), 0, 10);
  ok(h, 2, L::array({r("x", L::array({1, 2})), r("y", L::array({2, 1}))}), 20, 21);
  const TxnCheckResult r = check(h, "read-uncommitted");
  EXPECT_FALSE(r.valid);
  ASSERT_TRUE(has(r, "G0")) << r.summary();
  const TxnAnomaly& a = first(r, "G0");
  EXPECT_EQ(sorted(a.ops), (std::vector<int>{t1, t2}));
  EXPECT_NE(a.explanation.find("-ww->"), std::string::npos) << a.explanation;
  EXPECT_NE(a.explanation.find("appended 2 to key \"x\" after"), std::string::npos) << a.explanation;
}

TEST(Transactions, G1aAbortedReadIsFound) {
  History h;
  const int writer = txn(h, 0, L::array({append("x", 1)}), EventType::kFail, 0, 1);
  const int reader = ok(h, 1, L::array({r("x", L::array({1}))}), 2, 3);
  EXPECT_TRUE(check(h, "read-uncommitted").valid);  // PL-1 allows reading aborted writes
  const TxnCheckResult r = check(h, "read-committed");
  EXPECT_EQ(r.anomaly_types(), std::vector<std::string>{"G1a"}) << r.summary();
  EXPECT_EQ(first(r, "G1a").ops, (std::vector<int>{writer, reader}));
  EXPECT_NE(first(r, "G1a").explanation.find("failed"), std::string::npos);
}

TEST(Transactions, G1bIntermediateReadIsFound) {
  History h;
  const int writer = ok(h, 0, L::array({append("x", 1), append("x", 2)}), 0, 1);
  const int reader = ok(h, 1, L::array({r("x", L::array({1}))}), 2, 3);
  const TxnCheckResult r = check(h, "read-committed");
  ASSERT_TRUE(has(r, "G1b")) << r.summary();
  EXPECT_EQ(first(r, "G1b").ops, (std::vector<int>{writer, reader}));
}

TEST(Transactions, G1cCircularInformationFlowIsFound) {
  History h;
  const int t1 = ok(h, 0, L::array({append("x", 1), r("y", L::array({1}))}), 0, 10);
  const int t2 = ok(h, 1, L::array({append("y", 1), r("x", L::array({1}))}), 0, 10);
  const TxnCheckResult r = check(h, "read-committed");
  EXPECT_EQ(r.anomaly_types(), std::vector<std::string>{"G1c"}) << r.summary();
  EXPECT_EQ(sorted(first(r, "G1c").ops), (std::vector<int>{t1, t2}));
  EXPECT_NE(first(r, "G1c").explanation.find("-wr->"), std::string::npos);
}

// Read skew: T1 sees T2's y but not its x.
History read_skew(int* t1, int* t2) {
  History h;
  ok(h, 0, L::array({append("x", 1)}), 0, 1);
  *t2 = ok(h, 1, L::array({append("x", 2), append("y", 1)}), 2, 10);
  *t1 = ok(h, 2, L::array({r("x", L::array({1})), r("y", L::array({1}))}), 2, 10);
  ok(h, 0, L::array({r("x", L::array({1, 2}))}), 20, 21);
  return h;
}

TEST(Transactions, GSingleReadSkewIsFoundAndForbiddenBySnapshotIsolation) {
  int t1 = 0, t2 = 0;
  const History h = read_skew(&t1, &t2);
  EXPECT_TRUE(check(h, "read-committed").valid);
  for (const char* level : {"snapshot-isolation", "serializable"}) {
    const TxnCheckResult r = check(h, level);
    EXPECT_EQ(r.anomaly_types(), std::vector<std::string>{"G-single"}) << r.summary();
    const TxnAnomaly& a = first(r, "G-single");
    EXPECT_EQ(sorted(a.ops), sorted({t1, t2}));
    EXPECT_NE(a.explanation.find("-rw->"), std::string::npos);
    EXPECT_NE(a.explanation.find("did not see"), std::string::npos) << a.explanation;
  }
}

TEST(Transactions, CommittedAppendsNoReadShowsComeAfterEverythingRead) {
  // Nobody read x after T1's append, yet T1 committed it: T2, which read x empty, missed it (rw),
  // while it saw T1's y (wr).
  History h;
  const int t1 = ok(h, 0, L::array({append("x", 1), append("y", 1)}), 0, 10);
  const int t2 = ok(h, 1, L::array({r("x"), r("y", L::array({1}))}), 0, 10);
  const TxnCheckResult result = check(h);
  EXPECT_EQ(result.anomaly_types(), std::vector<std::string>{"G-single"}) << result.summary();
  EXPECT_EQ(sorted(first(result, "G-single").ops), sorted({t1, t2}));
  // Were T1 unknown (info), its x might never have been appended: no cycle can be claimed.
  History u;
  txn(u, 0, L::array({append("x", 1), append("y", 1)}), EventType::kInfo, 0, 10);
  ok(u, 1, L::array({r("x"), r("y", L::array({1}))}), 0, 10);
  EXPECT_TRUE(check(u).valid) << check(u).summary();
}

// Write skew: each reads both keys empty and appends to one.
History write_skew(int* t1, int* t2) {
  History h;
  *t1 = ok(h, 0, L::array({r("x"), r("y"), append("x", 1)}), 0, 10);
  *t2 = ok(h, 1, L::array({r("x"), r("y"), append("y", 1)}), 0, 10);
  ok(h, 2, L::array({r("x", L::array({1})), r("y", L::array({1}))}), 20, 21);
  return h;
}

TEST(Transactions, WriteSkewPassesSnapshotIsolationButNotSerializable) {
  int t1 = 0, t2 = 0;
  const History h = write_skew(&t1, &t2);
  const TxnCheckResult si = check(h, "snapshot-isolation");
  EXPECT_TRUE(si.valid) << si.summary();
  ASSERT_EQ(si.allowed_anomalies.size(), 1u) << si.summary();  // found, but allowed there
  EXPECT_EQ(si.allowed_anomalies[0].type, "G2-item");
  EXPECT_FALSE(si.allowed_anomalies[0].forbidden);
  const TxnCheckResult ser = check(h, "serializable");
  EXPECT_FALSE(ser.valid);
  EXPECT_EQ(ser.anomaly_types(), std::vector<std::string>{"G2-item"}) << ser.summary();
  EXPECT_EQ(sorted(first(ser, "G2-item").ops), sorted({t1, t2}));
  EXPECT_FALSE(check(h, "repeatable-read").valid);
}

TEST(Transactions, GNonadjacentIsForbiddenBySnapshotIsolation) {
  // T1 -rw-> T2 -wr-> T3 -rw-> T4 -wr-> T1: two rw edges, not adjacent.
  History h;
  ok(h, 0, L::array({r("a"), r("d", L::array({1}))}), 0, 10);
  ok(h, 1, L::array({append("a", 1), append("b", 1)}), 0, 10);
  ok(h, 2, L::array({r("b", L::array({1})), r("c")}), 0, 10);
  ok(h, 3, L::array({append("c", 1), append("d", 1)}), 0, 10);
  ok(h, 4, L::array({r("a", L::array({1})), r("c", L::array({1}))}), 20, 21);
  const TxnCheckResult r = check(h, "snapshot-isolation");
  EXPECT_EQ(r.anomaly_types(), std::vector<std::string>{"G-nonadjacent"}) << r.summary();
  EXPECT_EQ(first(r, "G-nonadjacent").ops.size(), 4u);
}

TEST(Transactions, LostUpdateIsFound) {
  History h;
  const int t1 = ok(h, 0, L::array({r("x"), append("x", 1)}), 0, 10);
  const int t2 = ok(h, 1, L::array({r("x"), append("x", 2)}), 0, 10);
  ok(h, 2, L::array({r("x", L::array({1, 2}))}), 20, 21);
  EXPECT_TRUE(check(h, "read-committed").valid);
  const TxnCheckResult r = check(h, "snapshot-isolation");
  EXPECT_EQ(r.anomaly_types(), (std::vector<std::string>{"G-single", "lost-update"})) << r.summary();
  EXPECT_EQ(sorted(first(r, "lost-update").ops), sorted({t1, t2}));
}

TEST(Transactions, StaleReadIsOnlyForbiddenByStrictSerializability) {
  History h;
  const int w = ok(h, 0, L::array({append("x", 1)}), 0, 1);
  const int stale = ok(h, 1, L::array({r("x")}), 2, 3);  // began after the append completed
  ok(h, 2, L::array({r("x", L::array({1}))}), 4, 5);
  EXPECT_TRUE(check(h, "serializable").valid);
  const TxnCheckResult r = check(h, "strict-serializable");
  EXPECT_EQ(r.anomaly_types(), std::vector<std::string>{"G-single-realtime"}) << r.summary();
  EXPECT_EQ(sorted(first(r, "G-single-realtime").ops), sorted({w, stale}));
  EXPECT_NE(first(r, "G-single-realtime").explanation.find("completed (at 1000000) before"), std::string::npos)
      << r.summary();
}

TEST(Transactions, StrongSnapshotIsolationForbidsStaleSnapshotsButAllowsWriteSkew) {
  History stale;  // the stale read above: a snapshot older than a transaction that had committed
  ok(stale, 0, L::array({append("x", 1)}), 0, 1);
  ok(stale, 1, L::array({r("x")}), 2, 3);
  ok(stale, 2, L::array({r("x", L::array({1}))}), 4, 5);
  EXPECT_TRUE(check(stale, "snapshot-isolation").valid);
  EXPECT_EQ(check(stale, "strong-snapshot-isolation").anomaly_types(), std::vector<std::string>{"G-single-realtime"});
  int t1 = 0, t2 = 0;
  EXPECT_TRUE(check(write_skew(&t1, &t2), "strong-snapshot-isolation").valid);
}

TEST(Transactions, ConcurrentTransactionsHaveNoRealtimeOrder) {
  History h;
  ok(h, 0, L::array({append("x", 1)}), 0, 3);
  ok(h, 1, L::array({r("x")}), 3, 4);  // invoked at the append's completion: concurrent
  ok(h, 2, L::array({r("x", L::array({1}))}), 5, 6);
  const TxnCheckResult r = check(h, "strict-serializable");
  EXPECT_TRUE(r.valid) << r.summary();
}

TEST(Transactions, ProcessOrderIsForbiddenByStrongSession) {
  History h;
  // Process 0 appends, then reads without its own append: a session guarantee broken. The two
  // touch in time (concurrent in real time), so only the process orders them.
  const int w = ok(h, 0, L::array({append("x", 1)}), 0, 2);
  const int later = ok(h, 0, L::array({r("x")}), 2, 3);
  ok(h, 1, L::array({r("x", L::array({1}))}), 4, 5);
  EXPECT_TRUE(check(h, "serializable").valid);
  const TxnCheckResult r = check(h, "strong-session-serializable");
  EXPECT_EQ(r.anomaly_types(), std::vector<std::string>{"G-single-process"}) << r.summary();
  EXPECT_EQ(sorted(first(r, "G-single-process").ops), sorted({w, later}));
}

TEST(Transactions, NonCycleAnomaliesAreNamed) {
  {
    History h;
    ok(h, 0, L::array({append("x", 1), append("x", 2)}), 0, 1);
    ok(h, 1, L::array({r("x", L::array({1, 2}))}), 2, 3);
    ok(h, 2, L::array({r("x", L::array({2, 1}))}), 2, 3);
    EXPECT_TRUE(has(check(h, "read-uncommitted"), "incompatible-order")) << check(h).summary();
  }
  {
    History h;
    ok(h, 0, L::array({append("x", 1)}), 0, 1);
    ok(h, 1, L::array({r("x", L::array({1, 1}))}), 2, 3);
    EXPECT_TRUE(has(check(h, "read-uncommitted"), "duplicate-elements")) << check(h).summary();
  }
  {
    History h;
    ok(h, 1, L::array({r("x", L::array({9}))}), 2, 3);
    EXPECT_EQ(check(h, "read-uncommitted").anomaly_types(), std::vector<std::string>{"garbage-read"});
  }
  {
    History h;
    const int t = ok(h, 0, L::array({append("x", 1), r("x")}), 0, 1);  // misses its own append
    const TxnCheckResult r = check(h, "read-uncommitted");
    EXPECT_EQ(r.anomaly_types(), std::vector<std::string>{"internal"});
    EXPECT_EQ(first(r, "internal").ops, std::vector<int>{t});
  }
}

TEST(Transactions, FuzzyReadIsAGSingleNotAnInternalError) {
  // Read committed allows a transaction to see two committed states of a key; the graph shows it:
  // the first read did not see the append (rw), the second did (wr).
  History h;
  const int writer = ok(h, 0, L::array({append("x", 1)}), 0, 10);
  const int fuzzy = ok(h, 1, L::array({r("x"), r("x", L::array({1}))}), 0, 10);
  EXPECT_TRUE(check(h, "read-committed").valid);
  const TxnCheckResult result = check(h, "repeatable-read");
  EXPECT_EQ(result.anomaly_types(), std::vector<std::string>{"G-single"}) << result.summary();
  EXPECT_EQ(sorted(first(result, "G-single").ops), sorted({writer, fuzzy}));
  History reg_h;
  ok(reg_h, 0, L::array({w("x", 1)}), 0, 10);
  ok(reg_h, 1, L::array({r("x"), r("x", 1)}), 0, 10);
  EXPECT_TRUE(reg(reg_h, "read-committed").valid);
  EXPECT_EQ(reg(reg_h, "serializable").anomaly_types(), std::vector<std::string>{"G-single"});
}

TEST(Transactions, UnknownTransactionsMayOrMayNotHaveCommitted) {
  History h;
  txn(h, 0, L::array({append("x", 1)}), EventType::kInfo, 0, 1);  // committed: it is read below
  txn(h, 1, L::array({append("x", 2)}), EventType::kInfo, 0, 1);  // never seen: may have aborted
  h.invoke(2, "txn", std::nullopt, invoked(L::array({append("y", 1), r("x")})), ms(0));  // never completed
  ok(h, 3, L::array({r("x", L::array({1}))}), 2, 3);
  for (const char* level : {"serializable", "strict-serializable"}) {
    const TxnCheckResult r = check(h, level);
    EXPECT_TRUE(r.valid) << r.summary();
    EXPECT_EQ(r.unknown, 3u);
    EXPECT_EQ(r.ok, 1u);
  }
}

TEST(Transactions, UnknownTransactionsThatWereSeenTakePartInCycles) {
  History h;
  ok(h, 0, L::array({append("x", 1)}), 0, 1);
  txn(h, 1, L::array({append("x", 2), append("y", 1)}), EventType::kInfo, 2, 10);
  ok(h, 2, L::array({r("x", L::array({1})), r("y", L::array({1}))}), 2, 10);  // read skew on an info writer
  ok(h, 0, L::array({r("x", L::array({1, 2}))}), 20, 21);
  EXPECT_EQ(check(h).anomaly_types(), std::vector<std::string>{"G-single"});
}

TEST(Transactions, FailedTransactionsThatNobodySawAreHarmless) {
  History h;
  txn(h, 0, L::array({append("x", 1)}), EventType::kFail, 0, 1);
  ok(h, 1, L::array({append("x", 2)}), 2, 3);
  ok(h, 2, L::array({r("x", L::array({2}))}), 4, 5);
  EXPECT_TRUE(check(h, "strict-serializable").valid);
}

// -- rw-register ----------------------------------------------------------------------------------

TEST(TransactionsRwRegister, SerialHistoryIsValid) {
  History h;
  ok(h, 0, L::array({r("x"), w("x", 1)}), 0, 1);
  ok(h, 1, L::array({r("x", 1), w("x", 2), r("x", 2)}), 2, 3);
  ok(h, 0, L::array({r("x", 2), r("y")}), 4, 5);
  const TxnCheckResult r = reg(h, "strict-serializable");
  EXPECT_TRUE(r.valid) << r.summary();
  ASSERT_FALSE(r.not_checked.empty());  // says what the register inference cannot see
  EXPECT_NE(r.not_checked.back().find("blind writes"), std::string::npos);
}

TEST(TransactionsRwRegister, NonCycleAnomaliesAreFound) {
  {
    History h;
    const int a = txn(h, 0, L::array({w("x", 1)}), EventType::kFail, 0, 1);
    const int b = ok(h, 1, L::array({r("x", 1)}), 2, 3);
    const TxnCheckResult r = reg(h, "read-committed");
    EXPECT_EQ(r.anomaly_types(), std::vector<std::string>{"G1a"});
    EXPECT_EQ(first(r, "G1a").ops, (std::vector<int>{a, b}));
  }
  {
    History h;
    ok(h, 0, L::array({w("x", 1), w("x", 2)}), 0, 1);
    ok(h, 1, L::array({r("x", 1)}), 2, 3);
    EXPECT_EQ(reg(h, "read-committed").anomaly_types(), std::vector<std::string>{"G1b"});
  }
  {
    History h;
    ok(h, 1, L::array({r("x", 7)}), 2, 3);
    EXPECT_EQ(reg(h).anomaly_types(), std::vector<std::string>{"garbage-read"});
  }
  {
    History h;
    ok(h, 0, L::array({w("x", 1), r("x", 3)}), 0, 1);
    ok(h, 1, L::array({w("x", 3)}), 0, 1);
    EXPECT_EQ(reg(h).anomaly_types(), std::vector<std::string>{"internal"});
  }
}

TEST(TransactionsRwRegister, LostUpdateIsFound) {
  History h;
  ok(h, 0, L::array({w("x", 1)}), 0, 1);
  const int t1 = ok(h, 1, L::array({r("x", 1), w("x", 2)}), 2, 10);
  const int t2 = ok(h, 2, L::array({r("x", 1), w("x", 3)}), 2, 10);
  EXPECT_TRUE(reg(h, "read-committed").valid);
  const TxnCheckResult r = reg(h, "snapshot-isolation");
  EXPECT_TRUE(has(r, "lost-update")) << r.summary();
  EXPECT_EQ(sorted(first(r, "lost-update").ops), sorted({t1, t2}));
}

TEST(TransactionsRwRegister, CyclesFromWritesFollowingReads) {
  {  // G1c: each reads the other's write
    History h;
    ok(h, 0, L::array({w("x", 1), r("y", 1)}), 0, 10);
    ok(h, 1, L::array({w("y", 1), r("x", 1)}), 0, 10);
    EXPECT_EQ(reg(h, "read-committed").anomaly_types(), std::vector<std::string>{"G1c"});
  }
  {  // G-single: T2 overwrote the x T1 read, and T1 read T2's y
    History h;
    ok(h, 0, L::array({w("x", 1)}), 0, 1);
    ok(h, 1, L::array({r("x", 1), w("x", 2), w("y", 1)}), 2, 10);
    ok(h, 2, L::array({r("x", 1), r("y", 1)}), 2, 10);
    EXPECT_EQ(reg(h, "snapshot-isolation").anomaly_types(), std::vector<std::string>{"G-single"});
  }
  {  // Write skew from the initial state: G2-item, allowed by snapshot isolation
    History h;
    ok(h, 0, L::array({r("x"), r("y"), w("x", 1)}), 0, 10);
    ok(h, 1, L::array({r("x"), r("y"), w("y", 1)}), 0, 10);
    EXPECT_TRUE(reg(h, "snapshot-isolation").valid);
    EXPECT_EQ(reg(h, "serializable").anomaly_types(), std::vector<std::string>{"G2-item"});
  }
}

// -- input ----------------------------------------------------------------------------------------

void expect_malformed(const Json& invoke, const Json& completion, const std::string& needle,
                      TxnModel model = TxnModel::kListAppend, const std::string& f = "txn") {
  History h;
  h.invoke(0, "txn", std::nullopt, Json::array(), ms(0));
  h.complete(0, EventType::kOk, Json::array(), ms(1));
  const int i = h.invoke(7, f, std::nullopt, invoke, ms(2));
  h.complete(i, EventType::kOk, completion, ms(3));
  TxnCheckOptions o;
  o.model = model;
  try {
    check_transactions(h, o);
    ADD_FAILURE() << "no error for " << invoke.dump() << " / " << completion.dump();
  } catch (const TxnHistoryError& e) {
    EXPECT_EQ(e.op(), 2);
    const std::string what = e.what();
    EXPECT_NE(what.find("operation #2 (process 7)"), std::string::npos) << what;
    EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

TEST(Transactions, MalformedTransactionsAreTypedErrorsNamingTheOperation) {
  const Json ok_mops = L::array({append("x", 1)});
  expect_malformed(ok_mops, ok_mops, "not \"txn\"", TxnModel::kListAppend, "write");
  expect_malformed(5, 5, "not a list of micro-operations");
  expect_malformed(ok_mops, "x", "completion's value is not a list");
  expect_malformed(ok_mops, L::array({append("x", 1), r("x")}), "has 2 micro-operations, the invoke 1");
  expect_malformed(L::array({L::array({"append", "x"})}), L::array({L::array({"append", "x"})}), "is not [f, key, value]");
  expect_malformed(L::array({append(1.5, 1)}), L::array({append(1.5, 1)}), "key must be an integer or a string");
  expect_malformed(L::array({append("x", L::array({1}))}), L::array({append("x", L::array({1}))}), "value written");
  expect_malformed(L::array({w("x", 1)}), L::array({w("x", 1)}), "knows \"append\" and \"r\", not \"w\"");
  expect_malformed(L::array({r("x")}), L::array({r("x", 3)}), "a list-append read returns a list or null");
  expect_malformed(L::array({r("x")}), L::array({r("x", L::array({true}))}), "list elements");
  expect_malformed(L::array({r("x")}), L::array({r("x", L::array({1}))}), "a register read returns", TxnModel::kRwRegister);
  expect_malformed(ok_mops, L::array({append("y", 1)}), "differs between invoke");
  {  // a value appended twice to one key: the inference would be unsound, so it is an error
    History h;
    ok(h, 0, L::array({append("x", 1)}), 0, 1);
    ok(h, 1, L::array({append("x", 1)}), 2, 3);
    try {
      check(h);
      ADD_FAILURE() << "no error for a duplicate append";
    } catch (const TxnHistoryError& e) {
      EXPECT_NE(std::string(e.what()).find("unique per key"), std::string::npos) << e.what();
    }
  }
}

TEST(Transactions, UnknownLevelAndModelAreRejected) {
  History h;
  TxnCheckOptions o;
  o.consistency = "linearizable";
  EXPECT_THROW(check_transactions(h, o), std::invalid_argument);
  EXPECT_THROW(txn_model_from("bank"), std::invalid_argument);
  EXPECT_EQ(txn_model_from("rw-register"), TxnModel::kRwRegister);
}

TEST(Transactions, LevelsFormAHierarchy) {
  // Each level forbids everything the one below it forbids (one table: consistency_levels()).
  const auto& levels = consistency_levels();
  auto forbids = [](const ConsistencyLevel& l, const std::string& t) {
    return std::find(l.forbidden.begin(), l.forbidden.end(), t) != l.forbidden.end();
  };
  for (const auto* chain : {"read-uncommitted read-committed snapshot-isolation serializable strict-serializable",
                            "read-committed repeatable-read serializable strong-session-serializable strict-serializable",
                            "snapshot-isolation strong-session-snapshot-isolation strong-snapshot-isolation strict-serializable",
                            "strong-session-snapshot-isolation strong-session-serializable"}) {
    std::vector<std::string> names;
    std::string s = chain;
    for (std::size_t p = 0; p != std::string::npos;) {
      const std::size_t q = s.find(' ', p);
      names.push_back(s.substr(p, q == std::string::npos ? q : q - p));
      p = q == std::string::npos ? q : q + 1;
    }
    for (std::size_t i = 0; i + 1 < names.size(); ++i) {
      for (const auto& t : consistency_level(names[i]).forbidden) {
        EXPECT_TRUE(forbids(consistency_level(names[i + 1]), t)) << names[i + 1] << " allows " << t;
      }
    }
  }
  EXPECT_EQ(levels.size(), 9u);
  EXPECT_FALSE(forbids(consistency_level("snapshot-isolation"), "G2-item"));
}

TEST(Transactions, ManyAnomaliesAreCountedButFewExplained) {
  History h;
  txn(h, 0, L::array({append("x", 0)}), EventType::kFail, 0, 1);
  L long_list = L::array({0});
  for (int v = 1; v <= 30; ++v) {
    ok(h, 1, L::array({append("x", v)}), 2 * v, 2 * v + 1);
    long_list.push_back(v);
  }
  for (int i = 0; i < 50; ++i) ok(h, 2, L::array({r("x", long_list)}), 100 + 2 * i, 101 + 2 * i);  // 50 aborted reads
  const TxnCheckResult r = check(h, "read-committed");
  EXPECT_EQ(r.counts.at("G1a"), 50u);
  EXPECT_EQ(r.anomalies.size(), 8u);  // max_reported_per_type
  EXPECT_NE(r.anomalies[0].explanation.find("[0, 1, 2, 3, 4, ..., 26, 27, 28, 29, 30] (31 elements)"), std::string::npos)
      << r.anomalies[0].explanation;
}

TEST(Transactions, ResultAsJson) {
  int t1 = 0, t2 = 0;
  const TxnCheckResult r = check(write_skew(&t1, &t2));
  const Json j = r.to_json();
  EXPECT_EQ(j["verdict"], "invalid");
  EXPECT_EQ(j["anomaly_types"], Json::array({"G2-item"}));
  EXPECT_EQ(j["counts"]["G2-item"], 1);
  EXPECT_EQ(j["anomalies"][0]["type"], "G2-item");
  EXPECT_EQ(j["transactions"], 3);
}

TEST(Transactions, StepLimitMakesTheVerdictUnknown) {
  int t1 = 0, t2 = 0;
  TxnCheckOptions o;
  o.max_search_steps = 1;
  const TxnCheckResult r = check_transactions(write_skew(&t1, &t2), o);
  EXPECT_FALSE(r.complete);
  EXPECT_FALSE(r.valid);
  EXPECT_EQ(r.verdict(), "unknown") << r.summary();
  TxnCheckOptions timed;
  timed.out_of_time = [] { return true; };
  EXPECT_EQ(check_transactions(write_skew(&t1, &t2), timed).verdict(), "unknown");
}

}  // namespace
}  // namespace amino::check
