// The conformance cases. Observations are strings so that a mismatch between backends reads
// well in a test failure.
#include <algorithm>

#include "dms/all.h"
#include "runtime/kernel_object.h"
#include "tests/conformance/conformance.h"
#include "tests/kernel/test_apps.h"

namespace amino::conformance {

namespace {

using testing::Counter;
using testing::Greeter;

constexpr Duration kLimit = 60 * kSecond;

std::string on(const std::string& server) {
  return "nodeSelector: [{key: name, operator: =, values: [" + server + "]}]\n";
}

std::string counter_spec(int start, const std::string& extra = "") {
  return "class: Counter\nargs: [" + std::to_string(start) + "]\n" + extra;
}

std::string outcome(const Reply& r) {
  if (r.ok()) return "ok " + r.value.to_string();
  if (r.status.code == Code::kAppError) return "app_error " + r.status.app_type + ": " + r.status.message;
  return code_name(r.status.code);
}

// The name label of the kernel server with this node id.
std::string name_of(Kernel& k, const std::string& node) {
  for (const auto& n : k.nodes()) {
    if (n.id == node) return n.labels.count("name") ? n.labels.at("name") : n.id;
  }
  return "?";
}

Observations on_client(testbed::Cluster& c, const std::function<void(Kernel&, Observations&)>& fn) {
  Observations out;
  if (!run_on_client(c, [&](Kernel& k) { fn(k, out); }, kLimit)) out.push_back("DID NOT FINISH");
  return out;
}

Observations simple_call(testbed::Cluster& c) {
  return on_client(c, [](Kernel& k, Observations& out) {
    Stub s = k.create(counter_spec(10, on("ks1")));
    out.push_back(outcome(s.invoke("add", {Value(5)})));
    out.push_back(outcome(s.invoke("get", {})));
    out.push_back(name_of(k, s.call<std::string>("where")));
  });
}

Observations errors_are_typed(testbed::Cluster& c) {
  return on_client(c, [](Kernel& k, Observations& out) {
    Stub s = k.create(counter_spec(0));
    out.push_back(outcome(s.invoke("add", {Value(-1)})));
    out.push_back(outcome(s.invoke("fly", {})));
    out.push_back(outcome(s.invoke("add", {Value("x")})));
    out.push_back(outcome(s.invoke("add", {})));
    out.push_back(outcome(s.invoke("get", {})));  // the failed calls changed nothing
  });
}

Observations nested_calls(testbed::Cluster& c) {
  return on_client(c, [](Kernel& k, Observations& out) {
    k.create("name: hits\n" + counter_spec(0, on("ks2")));
    Stub g = k.create("class: Greeter\n" + on("ks3"));
    g.call<void>("use_counter", std::string("hits"));
    out.push_back(outcome(g.invoke("greet", {Value("ada")})));
    out.push_back(outcome(g.invoke("greet", {Value("bob")})));
    out.push_back(outcome(k.acquire("hits").invoke("get", {})));
  });
}

Observations chain_of_two_dms(testbed::Cluster& c) {
  return on_client(c, [](Kernel& k, Observations& out) {
    Stub s = k.create(counter_spec(1, "dmList: [{name: TraceA}, {name: TraceB}]\n"));
    for (int i = 0; i < 3; ++i) out.push_back(outcome(s.invoke("add", {Value(i)})));
  });
}

Observations replicated_chain(testbed::Cluster& c) {
  Observations out;
  std::string ms;
  bool ok = run_on_client(c, [&](Kernel& k) {
    Stub s = k.create(counter_spec(7, "dmList: [{name: TraceA, config: {replicas: 2}}, {name: TraceB, config: {replicas: 2}}]\n"));
    ms = s.id();
    out.push_back(outcome(s.invoke("get", {})));
  }, kLimit);
  ok = ok && run_on_oms(c, [&](Oms& oms) {
    out.push_back("stacks " + std::to_string(oms.stacks_of(ms).size()));
    out.push_back("outer replicas " + std::to_string(oms.replicas(oms.root_group(ms)).size()));
  }, kLimit);
  if (!ok) out.push_back("DID NOT FINISH");
  return out;
}

Observations migration_keeps_state_and_old_references(testbed::Cluster& c) {
  Observations out;
  Stub s;
  std::string target;
  bool ok = run_on_client(c, [&](Kernel& k) {
    s = k.create(counter_spec(40, "dmList: [{name: TraceA}, {name: TraceB}]\n" + on("ks1")));
    out.push_back(outcome(s.invoke("add", {Value(2)})));
    for (const auto& n : k.nodes()) {
      if (n.labels.count("name") && n.labels.at("name") == "ks2") target = n.id;
    }
  }, kLimit);
  ok = ok && run_on_oms(c, [&](Oms& oms) { out.push_back("migrate " + oms.migrate(s.id(), target).to_string()); }, kLimit);
  ok = ok && run_on_client(c, [&](Kernel& k) {
    out.push_back(outcome(s.invoke("add", {Value(1)})));  // through the old reference
    out.push_back(name_of(k, s.call<std::string>("where")));
  }, kLimit);
  if (!ok) out.push_back("DID NOT FINISH");
  return out;
}

Observations names_and_reference_counts(testbed::Cluster& c) {
  return on_client(c, [](Kernel& k, Observations& out) {
    Stub s = k.create(counter_spec(3));
    k.set_name(s.id(), "shared");
    Stub a = k.attach("shared");
    out.push_back(outcome(a.invoke("add", {Value(1)})));
    k.detach("shared");
    out.push_back(outcome(s.invoke("get", {})));
    k.remove(s.id());
    try {
      k.acquire("shared");
      out.push_back("still there");
    } catch (const SystemError& e) {
      out.push_back(std::string("gone ") + code_name(e.code()));
    }
  });
}

Observations placement_errors(testbed::Cluster& c) {
  return on_client(c, [](Kernel& k, Observations& out) {
    for (const std::string spec : {counter_spec(0, on("mars")), std::string("class: Unicorn\n")}) {
      try {
        k.create(spec);
        out.push_back("created");
      } catch (const SystemError& e) {
        out.push_back(code_name(e.code()));
      }
    }
    try {
      k.create("class: Counter\ndmList: [{name: NoSuchDM}]\n");
    } catch (const SpecError& e) {
      out.push_back("spec error at line " + std::to_string(e.line()) + " field " + e.field());
    }
  });
}

Observations dead_server_is_an_error_not_a_hang(testbed::Cluster& c) {
  Observations out;
  Stub s;
  bool ok = run_on_client(c, [&](Kernel& k) {
    s = k.create(counter_spec(1, on("ks3")));
    out.push_back(outcome(s.invoke("get", {})));
  }, kLimit);
  c.crash("ks3");
  ok = ok && run_on_client(c, [&](Kernel&) {
    Reply r = s.invoke("get", {}, 2 * kSecond);
    // Sockets see a reset (kUnreachable) where a silent host gives kTimeout: both are retryable.
    out.push_back(r.ok() ? "ok?!" : std::string("retryable ") + (is_retryable(r.status.code) ? "yes" : "no"));
  }, kLimit);
  if (!ok) out.push_back("DID NOT FINISH");
  return out;
}

Observations failure_reaches_the_group(testbed::Cluster& c) {
  Observations out;
  std::string ms;
  bool ok = run_on_client(c, [&](Kernel& k) { ms = k.create(counter_spec(1, "dmList: [{name: TraceA}]\n" + on("ks2"))).id(); }, kLimit);
  c.crash("ks2");
  c.run_for(4 * kSecond);
  ok = ok && run_on_oms(c, [&](Oms& oms) { out.push_back("live replicas " + std::to_string(oms.replicas(oms.root_group(ms)).size())); }, kLimit);
  if (!ok) out.push_back("DID NOT FINISH");
  return out;
}

Observations concurrent_callers(testbed::Cluster& c) {
  return on_client(c, [](Kernel& k, Observations& out) {
    Stub s = k.create(counter_spec(0, "dmList: [{name: TraceA}]\n"));
    // Ten calls in flight at once from separate contexts on the client, each adding 1..10.
    auto done = std::make_shared<int>(0);
    auto all = k.env().make_signal();
    for (int i = 1; i <= 10; ++i) {
      k.env().spawn("caller", [s, i, done, all] {
        (void)s.invoke("add", {Value(i)});
        if (++*done == 10) all->notify();
      });
    }
    all->wait_until(k.env().now() + 30 * kSecond);
    out.push_back("done " + std::to_string(*done));
    out.push_back(outcome(s.invoke("get", {})));
  });
}

Observations per_call_timeout(testbed::Cluster& c) {
  return on_client(c, [](Kernel& k, Observations& out) {
    Stub s = k.create(counter_spec(0, on("ks1")));
    // The method takes 2 s; the call allows 500 ms.
    out.push_back(outcome(s.invoke("nap", {Value(2000)}, 500 * kMillisecond)));
    out.push_back(outcome(s.invoke("get", {})));
  });
}

}  // namespace

const std::vector<Case>& cases() {
  static const std::vector<Case> all = {
      {"simple_call", simple_call, {"ok 15", "ok 15", "ks1"}},
      {"errors_are_typed", errors_are_typed,
       {"app_error std::invalid_argument: negative increment", "NO_SUCH_METHOD", "BAD_ARGUMENTS", "BAD_ARGUMENTS", "ok 0"}},
      {"nested_calls", nested_calls, {"ok \"hello ada #1\"", "ok \"hello bob #2\"", "ok 2"}},
      {"chain_of_two_dms", chain_of_two_dms, {"ok 1", "ok 2", "ok 4"}},
      {"replicated_chain", replicated_chain, {"ok 7", "stacks 4", "outer replicas 2"}},
      {"migration_keeps_state_and_old_references", migration_keeps_state_and_old_references,
       {"ok 42", "migrate OK", "ok 43", "ks2"}},
      {"names_and_reference_counts", names_and_reference_counts, {"ok 4", "ok 4", "gone NO_SUCH_MICROSERVICE"}},
      {"placement_errors", placement_errors, {"PLACEMENT", "NO_SUCH_CLASS", "spec error at line 2 field dmList[0].name"}},
      {"dead_server_is_an_error_not_a_hang", dead_server_is_an_error_not_a_hang, {"ok 1", "retryable yes"}},
      {"failure_reaches_the_group", failure_reaches_the_group, {"live replicas 0"}},
      {"concurrent_callers", concurrent_callers, {"done 10", "ok 55"}},
      {"per_call_timeout", per_call_timeout, {"TIMEOUT", "ok 0"}},
  };
  return all;
}

void register_classes(ClassRegistry& classes) {
  classes.add<Counter>("Counter");
  classes.add<Greeter>("Greeter");
}

void register_dms(DmRegistry& dms) {
  dms::register_all(dms);
  dms.add(testing::trace_dm("TraceA"));
  dms.add(testing::trace_dm("TraceB"));
}

}  // namespace amino::conformance

namespace amino::conformance {

bool run_on_client(testbed::Cluster& c, const std::function<void(Kernel&)>& fn, Duration limit) {
  return c.run_on("client", [&] { fn(c.kernel("client")); }, limit);
}

bool run_on_oms(testbed::Cluster& c, const std::function<void(Oms&)>& fn, Duration limit) {
  return c.run_on("oms", [&] { fn(c.oms()); }, limit);
}

// The client second: the in-process world forks each node's Rng in this order.
testbed::PlatformSpec platform() {
  testbed::PlatformSpec p;
  p.hosts.push_back(testbed::HostSpec{"oms", 1e9, "control", {}});
  p.hosts.push_back(testbed::HostSpec{"client", 1e9, "edge", {{"role", "client"}}});
  for (int i = 1; i <= kServers; ++i) {
    p.hosts.push_back(testbed::HostSpec{"ks" + std::to_string(i), 1e9, "region-" + std::to_string(i), {}});
  }
  return p;
}

}  // namespace amino::conformance
