// Kernel, OMS, stubs and RPC errors on the in-process backend.
#include <gtest/gtest.h>

#include "tests/kernel/inproc_cluster.h"

namespace amino::testing {
namespace {

const char* kCounterSpec = R"(
class: Counter
args: [10]
)";

TEST(Kernel, CreateAndCallAcrossNodes) {
  InProcCluster c;
  std::int64_t got = 0;
  std::string where;
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create(std::string(kCounterSpec) + "nodeSelector: [{key: region, operator: notin, values: [edge]}]\n");
    EXPECT_EQ(s.call<std::int64_t>("add", 5), 15);
    got = s.call<std::int64_t>("get");
    where = s.call<std::string>("where");
  }));
  EXPECT_EQ(got, 15);
  EXPECT_NE(where, "client");
  EXPECT_EQ(where.rfind("ks", 0), 0u);
}

TEST(Kernel, AppExceptionsStayDistinctFromSystemErrors) {
  InProcCluster c;
  Reply app, no_method, bad_type, arity;
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create(kCounterSpec);
    app = s.invoke("add", {Value(-1)});
    no_method = s.invoke("fly", {});
    bad_type = s.invoke("add", {Value("seven")});
    arity = s.invoke("add", {});
    EXPECT_THROW(s.call<std::int64_t>("add", -3), AppError);
    EXPECT_THROW(s.call<std::int64_t>("add", std::string("x")), SystemError);
  }));
  EXPECT_EQ(app.status.code, Code::kAppError);
  EXPECT_EQ(app.status.app_type, "std::invalid_argument");
  EXPECT_EQ(app.status.message, "negative increment");
  EXPECT_EQ(no_method.status.code, Code::kNoSuchMethod);
  EXPECT_EQ(bad_type.status.code, Code::kBadArguments);
  EXPECT_EQ(arity.status.code, Code::kBadArguments);
}

TEST(Kernel, MethodCallsAnotherMicroServiceSynchronously) {
  InProcCluster c;
  std::string first, second;
  ASSERT_TRUE(c.run("client", [&] {
    c.client().create("name: hits\nclass: Counter\nargs: [0]\n");
    Stub g = c.client().create("class: Greeter\n");
    g.call<void>("use_counter", std::string("hits"));
    first = g.call<std::string>("greet", std::string("ada"));
    second = g.call<std::string>("greet", std::string("bob"));
  }));
  EXPECT_EQ(first, "hello ada #1");
  EXPECT_EQ(second, "hello bob #2");
}

TEST(Kernel, ImpossiblePlacementIsATypedError) {
  InProcCluster c;
  Code code = Code::kOk;
  std::string msg;
  ASSERT_TRUE(c.run("client", [&] {
    try {
      c.client().create(std::string(kCounterSpec) + "nodeSelector: [{key: region, operator: =, values: [mars]}]\n");
    } catch (const SystemError& e) {
      code = e.code();
      msg = e.what();
    }
  }));
  EXPECT_EQ(code, Code::kPlacement);
  EXPECT_NE(msg.find("mars"), std::string::npos);
}

TEST(Kernel, UnknownClassIsATypedError) {
  InProcCluster c;
  Code code = Code::kOk;
  ASSERT_TRUE(c.run("client", [&] {
    try {
      c.client().create("class: Unicorn\n");
    } catch (const SystemError& e) {
      code = e.code();
    }
  }));
  EXPECT_EQ(code, Code::kNoSuchClass);
}

TEST(Kernel, NamesAttachDetachAndDelete) {
  InProcCluster c;
  Reply after_delete;
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create(kCounterSpec);
    c.client().set_name(s.id(), "ctr");
    Stub a = c.client().attach("ctr");  // refs: 2
    EXPECT_EQ(a.id(), s.id());
    EXPECT_EQ(a.call<std::int64_t>("add", 1), 11);
    c.client().detach("ctr");  // refs: 1
    EXPECT_EQ(s.call<std::int64_t>("get"), 11);
    EXPECT_THROW(c.client().set_name(s.id(), "other"), SystemError);  // names are immutable
    c.client().remove(s.id());  // refs: 0 -> destroyed
    after_delete = s.invoke("get", {});
    EXPECT_THROW(c.client().acquire("ctr"), SystemError);
  }));
  EXPECT_FALSE(after_delete.ok());
  EXPECT_TRUE(is_retryable(after_delete.status.code) || after_delete.status.code == Code::kNoSuchObject)
      << after_delete.status.to_string();
}

TEST(Kernel, DeadPeerGivesATimeoutNotAHang) {
  ClusterOptions o;
  o.kernel.call_timeout = 2 * kSecond;
  InProcCluster c(o);
  Stub s;
  NodeId host;
  ASSERT_TRUE(c.run("client", [&] {
    s = c.client().create(std::string(kCounterSpec) + "nodeSelector: [{key: region, operator: =, values: [region-2]}]\n");
    host = s.call<std::string>("where");
  }));
  ASSERT_EQ(host, "ks2");
  c.world().crash("ks2");
  Reply r;
  const Time before = c.world().now();
  ASSERT_TRUE(c.run("client", [&] { r = s.invoke("get", {}); }));
  EXPECT_EQ(r.status.code, Code::kTimeout) << r.status.to_string();
  EXPECT_LE(c.world().now() - before, 3 * kSecond);  // simulated time: bounded by the deadline
}

TEST(Kernel, PerObjectConcurrencyGate) {
  ClusterOptions o;
  o.kernel.max_concurrent_calls = 1;
  InProcCluster c(o);
  Stub s;
  ASSERT_TRUE(c.run("client", [&] { s = c.client().create(kCounterSpec); }));
  Reply slow, rejected;
  bool slow_done = false;
  c.world().node("client").spawn("slow", [&] {
    slow = s.invoke("slow_get", {Value(1e9)});
    slow_done = true;
  });
  c.world().run_for(100 * kMillisecond);
  ASSERT_TRUE(c.run("client", [&] { rejected = s.invoke("get", {}); }));
  EXPECT_EQ(rejected.status.code, Code::kOverloaded);
  ASSERT_TRUE(c.world().run_until([&] { return slow_done; }, c.world().now() + 5 * kSecond));
  EXPECT_TRUE(slow.ok());
}

TEST(Kernel, PerCallerMetrics) {
  InProcCluster c;
  std::string ms;
  ASSERT_TRUE(c.run("client", [&] {
    Stub s = c.client().create(kCounterSpec);
    ms = s.id();
    for (int i = 0; i < 3; ++i) s.call<std::int64_t>("add", 1);
  }));
  const auto oids = c.oms().stacks_of(ms);
  ASSERT_EQ(oids.size(), 1u);
  KernelObject* ko = c.kernel(c.host_of(oids[0])).object(oids[0]);
  ASSERT_NE(ko, nullptr);
  const CallerMetrics& m = ko->metrics().at("client");
  EXPECT_EQ(m.calls, 3u);
  EXPECT_GT(m.bytes_in, 0u);
  EXPECT_GT(m.bytes_out, 0u);
}

TEST(Kernel, SameSeedSameRun) {
  auto run_once = [](std::uint64_t seed) {
    ClusterOptions o;
    o.seed = seed;
    InProcCluster c(o);
    std::vector<std::string> hosts;
    c.run("client", [&] {
      for (int i = 0; i < 6; ++i) hosts.push_back(c.client().create(kCounterSpec).call<std::string>("where"));
    });
    return std::make_pair(hosts, c.world().events_run());
  };
  EXPECT_EQ(run_once(3), run_once(3));
  EXPECT_NE(run_once(3).first, run_once(4).first);
}

}  // namespace
}  // namespace amino::testing
