// Each built-in model on small histories with a known verdict, and the errors for operations a
// model does not know.
#include <gtest/gtest.h>

#include "testbed/check/linearizability.h"
#include "tests/check/history_builders.h"

namespace amino::check {
namespace {

using namespace amino::check::testing;  // NOLINT: the builders are the test's vocabulary

Verdict verdict(const History& h, const std::string& model) {
  return check_linearizable(h, *make_model(model)).verdict;
}

TEST(Models, KvGetPutAppendPerKey) {
  History h;
  op(h, 0, "get", "k", nullptr, EventType::kOk, "", 0, 1);  // absent reads as ""
  op(h, 0, "put", "k", "a", EventType::kOk, nullptr, 2, 3);
  op(h, 1, "append", "k", "b", EventType::kOk, nullptr, 4, 5);
  op(h, 1, "append", "j", "z", EventType::kOk, nullptr, 4, 5);
  op(h, 0, "get", "k", nullptr, EventType::kOk, "ab", 6, 7);
  op(h, 0, "get", "j", nullptr, EventType::kOk, "z", 8, 9);
  EXPECT_EQ(verdict(h, "kv"), Verdict::kLinearizable);
  op(h, 2, "get", "k", nullptr, EventType::kOk, "ba", 10, 11);  // appends in the wrong order
  EXPECT_EQ(verdict(h, "kv"), Verdict::kNotLinearizable);
}

TEST(Models, KvUnknownAppendMayApplyLate) {
  History h;
  op(h, 0, "append", "k", "x", EventType::kInfo, nullptr, 0, 1);
  op(h, 1, "get", "k", nullptr, EventType::kOk, "", 2, 3);
  op(h, 1, "get", "k", nullptr, EventType::kOk, "x", 4, 5);
  EXPECT_EQ(verdict(h, "kv"), Verdict::kLinearizable);
  op(h, 1, "get", "k", nullptr, EventType::kOk, "xx", 6, 7);  // applied twice: a lost dedup
  EXPECT_EQ(verdict(h, "kv"), Verdict::kNotLinearizable);
}

TEST(Models, CounterCatchesADoubleApply) {
  History h;
  op(h, 0, "add", nullptr, 1, EventType::kOk, nullptr, 0, 1);
  op(h, 1, "add", nullptr, 5, EventType::kInfo, nullptr, 0, 3);  // retried after a timeout
  op(h, 0, "read", nullptr, nullptr, EventType::kOk, 6, 4, 5);
  EXPECT_EQ(verdict(h, "counter"), Verdict::kLinearizable);
  op(h, 0, "read", nullptr, nullptr, EventType::kOk, 11, 6, 7);  // the retry applied it again
  EXPECT_EQ(verdict(h, "counter"), Verdict::kNotLinearizable);
}

TEST(Models, SetReadsAreOrderFree) {
  History h;
  op(h, 0, "add", nullptr, 1, EventType::kOk, nullptr, 0, 1);
  op(h, 1, "add", nullptr, "two", EventType::kOk, nullptr, 0, 1);
  op(h, 0, "read", nullptr, nullptr, EventType::kOk, Json::array({"two", 1}), 2, 3);
  EXPECT_EQ(verdict(h, "set"), Verdict::kLinearizable);
  op(h, 0, "read", nullptr, nullptr, EventType::kOk, Json::array({1}), 4, 5);  // "two" was lost
  EXPECT_EQ(verdict(h, "set"), Verdict::kNotLinearizable);
}

TEST(Models, ListAppendKeepsOrder) {
  History h;
  op(h, 0, "append", "l", 1, EventType::kOk, nullptr, 0, 1);
  op(h, 1, "append", "l", 2, EventType::kOk, nullptr, 0, 1);  // concurrent: either order
  op(h, 0, "read", "l", nullptr, EventType::kOk, Json::array({2, 1}), 2, 3);
  EXPECT_EQ(verdict(h, "list-append"), Verdict::kLinearizable);
  op(h, 1, "read", "l", nullptr, EventType::kOk, Json::array({1, 2}), 4, 5);  // but one order for all
  EXPECT_EQ(verdict(h, "list-append"), Verdict::kNotLinearizable);
}

TEST(Models, BankConservesMoneyAndRejectsOverdrafts) {
  History h;
  op(h, 0, "open", nullptr, Json::array({3, 10}), EventType::kOk, nullptr, 0, 1);
  op(h, 0, "transfer", nullptr, Json::array({0, 1, 4}), EventType::kOk, true, 2, 3);
  op(h, 1, "transfer", nullptr, Json::array({2, 0, 20}), EventType::kFail, false, 2, 3);  // overdraft: no effect
  op(h, 1, "read", nullptr, nullptr, EventType::kOk, Json::array({6, 14, 10}), 4, 5);
  EXPECT_EQ(verdict(h, "bank"), Verdict::kLinearizable);
  op(h, 0, "transfer", nullptr, Json::array({1, 2, 5}), EventType::kInfo, nullptr, 6, 7);  // may apply later
  op(h, 1, "read", nullptr, nullptr, EventType::kOk, Json::array({6, 14, 10}), 8, 9);
  op(h, 1, "read", nullptr, nullptr, EventType::kOk, Json::array({6, 9, 15}), 10, 11);
  EXPECT_EQ(verdict(h, "bank"), Verdict::kLinearizable);
  op(h, 1, "read", nullptr, nullptr, EventType::kOk, Json::array({6, 4, 20}), 12, 13);  // applied twice
  EXPECT_EQ(verdict(h, "bank"), Verdict::kNotLinearizable);
}

TEST(Models, BankOkTransferNeedsTheFunds) {
  History h;
  op(h, 0, "open", nullptr, Json::array({2, 5}), EventType::kOk, nullptr, 0, 1);
  op(h, 0, "transfer", nullptr, Json::array({0, 1, 6}), EventType::kOk, true, 2, 3);  // 6 > 5: impossible
  EXPECT_EQ(verdict(h, "bank"), Verdict::kNotLinearizable);
  History shape;
  op(shape, 0, "transfer", nullptr, Json::array({0, 1}), EventType::kOk, true, 0, 1);
  EXPECT_THROW(check_linearizable(shape, *make_model("bank")), std::invalid_argument);
  History huge;
  op(huge, 0, "open", nullptr, Json::array({5000, 1}), EventType::kOk, nullptr, 0, 1);
  EXPECT_THROW(check_linearizable(huge, *make_model("bank")), std::invalid_argument);
}

TEST(Models, UnknownOperationsAndShapesAreNamed) {
  History h;
  op(h, 0, "increment", nullptr, 1, EventType::kOk, nullptr, 0, 1);
  try {
    check_linearizable(h, *make_model("register"));
    FAIL() << "accepted an operation the model does not know";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("increment"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("read, write, cas"), std::string::npos) << e.what();
  }
  History cas;
  op(cas, 0, "cas", nullptr, 5, EventType::kFail, nullptr, 0, 1);  // even a failed one is checked
  EXPECT_THROW(check_linearizable(cas, *make_model("register")), std::invalid_argument);
  History kv;
  op(kv, 0, "put", "k", 5, EventType::kOk, nullptr, 0, 1);
  EXPECT_THROW(check_linearizable(kv, *make_model("kv")), std::invalid_argument);
  EXPECT_THROW(make_model("queue"), std::invalid_argument);
}

}  // namespace
}  // namespace amino::check
