"""The DM hunt scenarios (docs/hunts.md): each declares the check its DM promises, passes it for a
few seeds under its nemesis, and the check is not vacuous on the scenario's real runs (a stricter
check than the DM promises fails them)."""
import pytest

import amino
from amino import catalog, guarantees, hunt, workload

# (scenario, params, the checks it declares)
SCENARIOS = [
    ("consensus_variants", {"dm": "ConsensusRSM-Cluster"}, ["linearizable"]),
    ("consensus_variants", {"dm": "ConsensusRSM-Geo"}, ["linearizable"]),
    ("consensus_variants", {"dm": "ConsensusRSM-P2P"}, ["linearizable"]),
    ("consensus_variants", {"dm": "ConsensusRSM-P2P", "local_reads": True}, ["bounded-staleness"]),
    ("lease_caching", {}, ["lease"]),
    ("lease_caching", {"faults": False}, ["linearizable"]),
    ("write_through_caching", {}, ["bounded-staleness", "read-your-writes"]),
    ("write_through_caching", {"faults": "partitions"}, ["bounded-staleness", "read-your-writes"]),
    ("consistent_caching", {}, ["linearizable"]),
    ("consistent_caching", {"faults": False}, ["linearizable"]),
    ("at_least_once_rpc", {}, ["at-least-once"]),
    ("immutable", {}, ["immutable"]),
    ("dht", {}, ["linearizable"]),
    ("durable_serializable_rpc", {}, ["linearizable"]),
    ("master_slave", {}, ["bounded-staleness"]),
    ("master_slave", {"faults": False}, ["bounded-staleness"]),
    ("transactions", {"dm": "LockingTransactions"}, ["transactions"]),
    ("transactions", {"dm": "OptimisticTransactions", "model": "rw-register"}, ["transactions"]),
    ("transactions", {"dm": "DurableTransactions"}, ["transactions"]),
    ("two_phase_commit", {}, ["transactions"]),
]


@pytest.mark.parametrize("name,params,checks", SCENARIOS, ids=lambda x: str(x))
def test_dm_scenarios_pass_their_checks(name, params, checks):
    assert name in catalog.names()
    sc = catalog.build(name, seed=1, **params)
    assert [c.get("check", "linearizable") for c in sc.checks] == checks
    assert sc.faults or params.get("faults") is False
    report = hunt.hunt(name, seeds=range(1, 4), params=params, jobs=2, progress=False)
    assert report.ran == 3 and not report.failures, [v.describe() for v in report.failures]


def test_the_staleness_bound_comes_from_refresh_ms_and_only_where_refreshes_succeed():
    assert catalog.build("write_through_caching", refresh_ms=300).checks[0]["options"] == {"bound_ms": 300}
    assert catalog.build("write_through_caching", faults="partitions").checks[0]["options"] == {"bound_ms": None}
    assert catalog.build("write_through_caching", refresh_ms=0).checks[0]["options"] == {"bound_ms": None}
    kinds = {f["type"] for s in range(1, 6) for f in catalog.build("write_through_caching", seed=s).faults}
    assert kinds <= {"crash", "restart", "pause", "resume", "message_faults", "clear_message_faults"}
    for s in range(1, 6):
        for f in catalog.build("write_through_caching", seed=s).faults:
            assert f.get("node", "c") != "server"
            if f["type"] == "message_faults":
                assert f["faults"]["drop"] == 0 and f["faults"]["duplicate"] == 0


def test_consistent_caching_nemesis_keeps_to_what_the_dm_tolerates():
    # The primary (on "server") is paused but never crashed, no clock moves, no message is duplicated.
    faults = [f for s in range(1, 8) for f in catalog.build("consistent_caching", seed=s).faults]
    kinds = {f["type"] for f in faults}
    assert "clock" not in kinds and {"partition", "crash", "pause", "message_faults"} <= kinds
    assert any(f["type"] == "pause" and f["node"] == "server" for f in faults)
    for f in faults:
        if f["type"] in ("crash", "restart"):
            assert f["node"] != "server"
        if f["type"] == "message_faults":
            assert f["faults"]["duplicate"] == 0
    assert not catalog.build("consistent_caching", faults=False).faults


def test_checks_have_teeth_on_real_runs():
    # A write-through cache serves reads up to refreshMs old: a 1 ms bound is broken.
    sc = catalog.build("write_through_caching", seed=1)
    sc.checks[0]["options"]["bound_ms"] = 1
    res = amino.run(sc)
    w = workload.declared(res.scenario)[0]
    assert guarantees.violated(w.check(res))
    # Lease holders cut off by the nemesis lose writes: not linearizable, but what the lease check allows.
    lost = 0
    for seed in range(1, 9):
        res = amino.run(catalog.build("lease_caching", seed=seed))
        w = workload.declared(res.scenario)[0]
        assert w.check(res).verdict == "valid"
        lost += guarantees.check("linearizable", w.history(res), "register").verdict == "not linearizable"
    assert lost >= 1
    # PeriodicCheckpoint on the durable scenario: its server crashes lose acknowledged adds.
    lost = 0
    for seed in range(1, 7):
        res = amino.run(catalog.build("durable_serializable_rpc", seed=seed, dm="PeriodicCheckpoint"))
        w = workload.declared(res.scenario)[0]
        lost += w.check(res).verdict == "not linearizable"
    assert lost >= 1


def test_write_through_writers_read_their_writes_when_an_older_fetch_answers_last():
    # Regression: clients on one node share its WriteThroughCaching copy. A fetch sent before a
    # write, answered after the writer's own refresh (reordered replies), replaced the newer copy,
    # and the writer read an older value than its acknowledged write. Found by `amino hunt
    # write_through_caching` (seeds 86, 181, 302 of 500; shrunk to one reorder rule from the server
    # to a host of three clients); here seeds 5, 6 and 7 of this setup failed before the fix.
    # dms/write_through_caching.cc now keeps the copy asked for last.
    for seed in (5, 6, 7):
        sc = catalog.build("write_through_caching", seed=seed, clients=6, client_hosts=1, faults="none", ops=60,
                           reads=0.5)
        sc.fault(0.5, "message_faults", **{"from": "server", "to": "c1"},
                 faults={"drop": 0.0, "duplicate": 0.0, "reorder": 0.5, "reorder_window_ns": 80_000_000})
        sc.fault(sc.duration - 2, "clear_message_faults")
        res = amino.run(sc)
        assert res.ok, res.errors
        for w in workload.declared(res.scenario):
            r = w.check(res)
            assert not guarantees.violated(r), (seed, w.checker, r.summary())


def test_write_through_writers_read_their_writes_after_the_clock_is_set_back():
    # Regression: the first fix ordered fetches by the node's clock; a clock set back 400 ms made
    # the writer's own refresh look older than the copy it had, which was kept: the writer read an
    # older value than its acknowledged write (`amino hunt write_through_caching --param
    # faults=partitions`: 11 of 200 seeds; here 5 of 10). Fetches are now ordered by a counter.
    for seed in range(1, 6):
        sc = catalog.build("write_through_caching", seed=seed, clients=3, client_hosts=1, faults="none", ops=40)
        sc.fault(3.3, "clock", node="c1", offset_ns=400_000_000, drift=0.0)
        sc.fault(4.1, "clock", node="c1", offset_ns=0, drift=0.0)
        res = amino.run(sc)
        assert res.ok, res.errors
        ryw = [w for w in workload.declared(res.scenario) if w.checker == "read-your-writes"]
        r = ryw[0].check(res)
        assert not guarantees.violated(r), (seed, r.summary())


def test_dht_hunt_histories_span_shards_and_keys_matter():
    # Sharded over Raft groups, each key is linearizable; merged onto one key (as if the DHT sent
    # every key to one place) the same history is not: the check sees real, per-key state.
    res = amino.run(catalog.build("dht", seed=1))
    w = workload.declared(res.scenario)[0]
    history = w.history(res)
    assert w.check(res).verdict == "linearizable"
    assert len({e["key"] for e in history}) >= 4 and sum(e["type"] == "ok" for e in history) > 100
    merged = [dict(e, key="one") for e in history]
    assert guarantees.check("linearizable", merged, "kv").verdict == "not linearizable"
def test_master_slave_nemesis_keeps_to_what_the_dm_tolerates():
    # Servers crash one at a time (never a client host); only server-to-server frames are duplicated
    # (the DM does not deduplicate client requests); partitions may cut clients off too.
    servers = {"s1", "s2", "s3", "s4"}
    kinds = set()
    for s in range(1, 8):
        faults = catalog.build("master_slave", seed=s).faults
        kinds |= {f["type"] for f in faults}
        down = set()
        for f in faults:
            if f["type"] == "crash":
                assert f["node"] in servers and not down
                down.add(f["node"])
            elif f["type"] == "restart":
                down.discard(f["node"])
            elif f["type"] == "message_faults" and f["faults"]["duplicate"] > 0:
                assert f["from"] in servers and f["to"] in servers, f
    assert {"crash", "restart", "partition", "message_faults"} <= kinds
    assert "pause" not in kinds and "clock" not in kinds
    assert not catalog.build("master_slave", faults=False).faults


def test_master_slave_reads_are_stale_on_real_runs():
    # Slaves answer reads from their committed state: with many reads some run is not linearizable,
    # while the declared bounded-staleness (writes linearizable, reads a prefix) holds. How often a
    # run shows it depends on the fault timing (2 of seeds 20-30 before the OMS failed calls pending
    # on a dead or restarted server at once; after it, none in 20-125, then 126, 171, 201): a hunt,
    # stopped at the first.
    for seed in range(20, 321):
        res = amino.run(catalog.build("master_slave", seed=seed, reads=0.8))
        w = workload.declared(res.scenario)[0]
        assert w.check(res).verdict == "valid"
        if guarantees.check("linearizable", w.history(res), "register").verdict == "not linearizable":
            return
    pytest.fail("no stale read in seeds 20-320: the check would pass a linearizable DM too")


def test_transaction_hunts_check_the_level_each_dm_declares():
    # The level a hunt checks is the one the DM's descriptor states (amino.catalogue(), the one source).
    guarantees_ = {d["name"]: d["guarantee"] for d in amino.catalogue()["descriptors"]}
    levels = catalog.load("transactions").LEVELS
    for dm, level in levels.items():
        assert f"Isolation level: {level}" in guarantees_[dm], dm
        assert catalog.build("transactions", dm=dm).checks[0]["options"] == {"consistency": level}
    assert "two-phase locking: serializable" in guarantees_["TwoPhaseCommit"]
    assert catalog.build("two_phase_commit").checks[0]["options"] == {"consistency": "serializable"}
    # Only the durable DM has its server crashed; 2PC's cohorts crash, its coordinators (clients) do not.
    for s in range(1, 6):
        for dm in levels:
            crashed = {f["node"] for f in catalog.build("transactions", seed=s, dm=dm).faults if f["type"] == "crash"}
            assert crashed <= ({"server"} if dm == "DurableTransactions" else set()), (dm, crashed)
        crashed = {f["node"] for f in catalog.build("two_phase_commit", seed=s).faults if f["type"] == "crash"}
        assert crashed <= {"s1", "s2"}
        for f in catalog.build("two_phase_commit", seed=s).faults:
            if f["type"] == "message_faults":
                assert f["faults"]["duplicate"] == 0


def test_transaction_hunt_histories_have_teeth():
    # Real runs: transactions commit, abort and read each other's writes (2PC: across both cohorts);
    # a committed transaction that others read, relabelled as failed, is an aborted read (G1a).
    for name, params in (("transactions", {"dm": "LockingTransactions"}), ("two_phase_commit", {})):
        res = amino.run(catalog.build(name, seed=2, **params))
        assert res.ok, res.errors
        w = workload.declared(res.scenario)[0]
        history = w.history(res)
        assert w.check(res).verdict == "valid"
        done = [e for e in history if e["type"] != "invoke"]
        assert sum(e["type"] == "ok" for e in done) >= 5 and any(e["type"] == "fail" for e in done), name
        written = {m[2]: e["process"] for e in done if e["type"] == "ok" for m in e["value"] if m[0] == "append"}
        read_from_others = [v for e in done if e["type"] == "ok" for m in e["value"] if m[0] == "r"
                            for v in (m[2] or []) if written.get(v, e["process"]) != e["process"]]
        assert read_from_others, name
        if name == "two_phase_commit":
            both = [e for e in done if e["type"] == "ok" and len({int(m[1][1:]) % 2 for m in e["value"]}) == 2]
            assert both, "no committed transaction spans both cohorts"
        victim = read_from_others[0]
        tampered = [dict(e, type="fail") if e["type"] == "ok" and any(m[0] == "append" and m[2] == victim
                                                                       for m in e["value"]) else e for e in history]
        r = guarantees.check("transactions", tampered, "list-append", consistency="serializable")
        assert r.verdict == "invalid" and "G1a" in r.summary(), r.summary()


# The transaction DMs' planted bugs (docs/mutants.md), each caught by its hunt within a few seeds.
TXN_MUTANTS = [("occ_skips_validation", "OptimisticTransactions"), ("rollback_keeps_writes", "LockingTransactions"),
               ("rollback_keeps_writes", "DurableTransactions")]


@pytest.mark.parametrize("mutant,dm", TXN_MUTANTS)
def test_transaction_hunts_catch_the_planted_bugs(mutant, dm):
    from test_mutants import amino_cli, mutants_package
    path = mutants_package()
    r = amino_cli("hunt", "transactions", "--param", f"dm={dm}", "--seeds", "10", "--jobs", "2", "--no-shrink",
                  mutant=mutant, pythonpath=path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "transactions): invalid" in r.stdout, r.stdout
