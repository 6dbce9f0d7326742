"""The worked example of pybind/README.md ("The harness"): a partition-and-heal test with a generated
workload and a linearizability check, in under 20 lines (the function body)."""
import amino
from amino import workload


def test_partition_and_heal_with_a_generated_workload():
    sc = amino.Scenario(seed=4, duration=12)
    for n in ("a", "b", "c"):
        sc.host(n, "cloud_server", region=n, labels={"tier": "server"})
    sc.host("client", "phone_wifi")
    sc.deploy("reg", on="a", cls="Register", dms=[("ConsensusRSM", {"replicas": 3})],
              selector=amino.selector(tier="server"))
    w = workload.register(sc, "reg", ["client"], seed=4, clients=3, ops=200, timeout=0.5)
    sc.partition(3, ["a", "b"], ["c", "client"]).heal(6)
    res = amino.run(sc)
    r = w.check(res)
    assert res.ok and r.verdict == "linearizable", r.summary()
    outcomes = {e["type"] for e in res.history}
    assert {"ok", "info"} <= outcomes  # the partition made some calls time out
