"""TwoPhaseCommit: clients on hosts of their own run transactions (Jepsen's list-append or
rw-register, `model=`) across two TxnStore cohorts on two servers: key kj lives on cohort
"a" (even j) or "b" (odd j), so many transactions span both, and each client's node coordinates
its own (logs the cohorts and the decision to its storage, prepares, commits).

The check is "transactions" (amino.guarantees, amino.check.transactions) at serializable, the
level the DM declares (strict two-phase locking, one lock per cohort), over all keys of both
cohorts: a transaction half committed (atomicity broken) shows as a read of one cohort's write
without the other's. The nemesis is what the DM tolerates: a cohort's server crashed at any step
and restarted with its disk (the last unsynced write torn; one server down at a time), pauses of
the clients (coordinators), partitions and message loss and reordering anywhere (calls fail: the transaction aborts;
decisions are re-delivered every retryMs). Left out: crashes of the coordinators (the client
nodes): the DM recovers a coordinator's transactions when the restarted node acquires its
cohorts again, and the scenario's clients do not come back after a crash
(tests/dms/sim/dht_2pc_sim_test.cc crashes coordinators at every 2PC step); duplicated messages,
clock changes and lost disks (not in the descriptor's list). `faults=False`: no nemesis."""
import amino
from amino import nemesis, workload

DESCRIPTION = "transactions across two TwoPhaseCommit cohorts, cohorts crashing with their disks; check transactions"
CONFIG = {"lockTimeoutMs": 300, "txnTimeoutMs": 3000, "retryMs": 100}
LEVEL = "serializable"  # the descriptor: "strict two-phase locking: serializable"
PARAMS = {"model": "list-append", "clients": 3, "txns": 20, "keys": 4, "reads": 0.5, "rollbacks": 0.05,
          "duration": 10.0, "faults": True}
PARAM_RANGES = {"clients": (1, 16), "txns": (1, 10000), "keys": (1, 100), "reads": (0.0, 1.0),
                "rollbacks": (0.0, 1.0), "duration": (6.0, 3600.0)}


def build(seed=1, model="list-append", clients=3, txns=20, keys=4, reads=0.5, rollbacks=0.05, duration=10.0,
          faults=True):
    sc = amino.Scenario(seed=seed, duration=duration, name="two_phase_commit",
                        params=dict(model=model, clients=clients, txns=txns, keys=keys, reads=reads,
                                    rollbacks=rollbacks, duration=duration, faults=faults))
    servers = ["s1", "s2"]
    for s in servers:
        sc.host(s, "cloud_server", region="dc1", labels={"tier": s})
    hosts = [f"c{i}" for i in range(1, clients + 1)]
    for h in hosts:
        sc.host(h, "phone_wifi")
    for name, s in zip(("a", "b"), servers):
        sc.deploy(name, on=s, cls="TxnStore", dms=[("TwoPhaseCommit", CONFIG)], selector=amino.selector(tier=s))
    quiet = nemesis.quiet_for(duration)
    calls = txns * (2 + 2.5)  # start, 1-4 micro-ops, commit
    workload.transactions(sc, ["a", "b"], hosts, seed=seed, model=model, clients=clients, txns=txns, keys=keys,
                          reads=reads, rollbacks=rollbacks, think=workload.think_for(int(calls), duration - quiet),
                          timeout=1.0, consistency=LEVEL)
    if faults:
        cut = nemesis.generate(servers + hosts, seed=seed + 1, end=duration, quiet=quiet,
                               kinds=("partition", "message_faults"), duration=(0.1, 1.0))
        pauses = nemesis.generate(hosts, seed=seed + 2, end=duration, quiet=quiet, kinds=("pause",),
                                  duration=(0.1, 1.0))
        down = nemesis.generate(servers, seed=seed, end=duration, quiet=quiet, kinds=("crash",), max_down=1,
                                interval=(0.8, 2.0), duration=(0.1, 0.8))
        torn = [{"at": f["at"], "type": "torn_write", "node": f["node"]} for f in down if f["type"] == "crash"]
        nemesis.apply(sc, nemesis.merge(nemesis.only_messages(cut, ("drop", "reorder")), pauses, torn, down))
    return sc
