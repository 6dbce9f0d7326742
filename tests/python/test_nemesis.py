"""amino.nemesis: seeded fault schedules that every backend's validation accepts, that use the
whole vocabulary, and that leave nothing broken for the quiet tail."""
import pytest

import amino
from amino import nemesis

SERVERS = ["a", "b", "c", "d", "e"]


def scenario(backend="sim", seed=1, duration=20):
    sc = amino.Scenario(seed=seed, duration=duration, backend=backend)
    for n in SERVERS:
        sc.host(n, "cloud_server", region=n, labels={"tier": "server"})
    sc.host("client", "phone_wifi")
    sc.deploy("reg", on="a", cls="Register", dms=[("ConsensusRSM", {"replicas": 5})],
              selector=amino.selector(tier="server"))
    sc.client("c", node="client", target="reg", calls=[amino.call("read", "x")], count=10)
    return sc


def broken_at_end(faults):
    """Replays the schedule's effect: what is still broken after its last fault."""
    down, partitioned, msg, clocks = set(), False, False, {}
    for f in faults:
        t = f["type"]
        if t.startswith("partition"):
            partitioned = True
        elif t == "heal":
            partitioned = False
        elif t in ("crash", "pause"):
            down.add(f["node"])
        elif t in ("restart", "resume"):
            down.discard(f["node"])
        elif t == "message_faults":
            msg = True
        elif t == "clear_message_faults":
            msg = False
        elif t == "clock":
            clocks[f["node"]] = (f["offset_ns"], f["drift"]) != (0, 0.0)
    return bool(down or partitioned or msg or any(clocks.values()))


@pytest.mark.parametrize("seed", range(1, 31))
def test_generated_schedules_are_valid_and_repaired(seed):
    sc = scenario(seed=seed)
    faults = nemesis.for_scenario(sc, SERVERS + ["client"], seed=seed, quiet=4, max_down=2)
    assert amino.validate(sc) == []
    assert faults == sorted(faults, key=lambda f: f["at"])
    assert all(1.0 <= f["at"] <= 16.0 for f in faults)
    assert not broken_at_end(faults)
    last_latency = {}
    for f in faults:
        if f["type"] == "link":
            last_latency[f["link"]] = f["latency_ns"]
    uplinks = {h["name"] + "/uplink": h["uplink_latency_ns"] for h in sc.hosts}
    assert all(latency == uplinks[link] for link, latency in last_latency.items())  # restored
    # never more than max_down nodes down at once
    down = set()
    for f in faults:
        if f["type"] in ("crash", "pause"):
            down.add(f["node"])
            assert len(down) <= 2
        elif f["type"] in ("restart", "resume"):
            down.discard(f["node"])


def test_same_seed_same_schedule_and_every_kind_appears():
    a = nemesis.generate(SERVERS, seed=3, end=60, uplink_latency_ns={n: 10**7 for n in SERVERS})
    assert a == nemesis.generate(SERVERS, seed=3, end=60, uplink_latency_ns={n: 10**7 for n in SERVERS})
    assert a != nemesis.generate(SERVERS, seed=4, end=60, uplink_latency_ns={n: 10**7 for n in SERVERS})
    kinds = {f["type"] for f in a} | {"crash_wipe" for f in a if f.get("wipe_storage")}
    assert set(nemesis.KINDS) - {"crash_wipe"} <= kinds | {"crash_wipe"}
    assert "crash_wipe" in kinds


def test_sockets_schedules_avoid_sim_only_faults():
    sc = scenario(backend="sockets", duration=10)
    faults = nemesis.for_scenario(sc, SERVERS, seed=5)
    assert faults and not {f["type"] for f in faults} & {"pause", "resume", "clock", "link"}
    assert amino.validate(sc) == []


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown fault kind"):
        nemesis.generate(SERVERS, seed=1, end=10, kinds=["meteor"])
    with pytest.raises(ValueError, match="start"):
        nemesis.generate(SERVERS, seed=1, end=3, quiet=3)
    with pytest.raises(ValueError, match="uplink_latency_ns"):
        nemesis.generate(SERVERS, seed=1, end=10, kinds=["link"])
    with pytest.raises(ValueError, match="distinct"):
        nemesis.generate(["a", "a"], seed=1, end=10)
