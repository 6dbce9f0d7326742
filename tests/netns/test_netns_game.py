"""The multiplayer game on the netns backend (amino/netns_backend.py): oms, cloud, phone1 and phone2
each an `amino-scenario-node` process in its own network namespace, real TCP between them with a
fresh cluster key, the platform's latencies emulated in the message layer, the phone-phone partition
an nftables black hole. Runs are short (6-8 s); latency bounds come from the platform's round trips
and are loose (a loaded 2-core machine): a lower bound the emulation cannot beat, an upper one far
below the calls' 2 s timeout. Also: malformed input and a node dying mid-run give typed errors.
Skipped (with the reason) unless root with iproute2 and nftables; the program tests need only the
build."""
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time

import pytest

import netns_deployment as nd
from netns_deployment import log

sys.path.insert(0, os.path.join(nd.REPO, "pybind"))
os.environ.setdefault("AMINO_BUILD", nd.BUILD)  # amino finds $AMINO_BUILD/pybind/_amino

import amino  # noqa: E402
from amino import catalog, netns_backend, runner  # noqa: E402

netns_cluster = nd.netns_cluster
PROGRAM = os.path.join(nd.PROGRAMS, netns_backend.PROGRAM)
WHY_NOT = netns_cluster.probe()
if WHY_NOT is None and not os.access(PROGRAM, os.X_OK):
    WHY_NOT = f"{PROGRAM} not built"
needs_netns = pytest.mark.skipif(WHY_NOT is not None, reason=f"network namespaces unavailable: {WHY_NOT}")
needs_program = pytest.mark.skipif(not os.access(PROGRAM, os.X_OK), reason=f"{PROGRAM} not built")
PLAYERS = {"player1": "phone1", "player2": "phone2"}


@pytest.fixture(autouse=True)
def _clean():
    netns_cluster.exit_on_sigterm()
    if WHY_NOT is None:
        netns_cluster.cleanup_stale()
    yield


def rtt_ms(d, a, b):
    """The platform's round trip between hosts a and b (star routes: both uplinks, both ways)."""
    lat = {h["name"]: h.get("uplink_latency_ns", 0) for h in d["platform"]["hosts"]}
    return 2 * (lat[a] + lat[b]) / 1e6


def medians(res, after=1.0):
    """{(player, "read"|"write"): median ms of its successful calls started after `after` s}."""
    out = {}
    for player in PLAYERS:
        for op, method in (("read", "read"), ("write", "move")):
            lat = [r["latency"] * 1e3 for r in res.records
                   if r["client"] == player and r["method"] == method and r["outcome"] == "OK" and r["start"] >= after]
            out[(player, op)] = statistics.median(lat) if lat else float("nan")
    return out


def run_game(**params):
    sc = catalog.build("multiplayer_game", seed=1, **params).on("netns")
    started = time.monotonic()
    res = amino.run(sc, timeout=120)
    log(f"game {params}: ok={res.ok} calls={len(res.records)} in {time.monotonic() - started:.1f} s wall; "
        f"medians {medians(res)}; errors {res.errors[:3]}")
    return sc.to_dict(), res


def assert_every_player_called(res):
    assert res.ok, res.errors
    assert res.raw["backend"] == "netns" and res.trace_hash is None
    for player in PLAYERS:
        for method in ("read", "move"):
            ok = [r for r in res.records if r["client"] == player and r["method"] == method and r["outcome"] == "OK"]
            assert ok, f"{player} made no successful {method}"
    assert {e["process"] for e in res.history} >= set(range(4))  # every workload's operations are in the history
    invokes = sum(1 for e in res.history if e["type"] == "invoke")
    assert invokes == len(res.records) + res.raw["unfinished_calls"]


@needs_netns
def test_game_cloud_on_netns_pays_each_phones_round_trip_to_the_cloud():
    d, res = run_game(deployment="cloud", duration=6.0)
    assert_every_player_called(res)
    m = medians(res)
    for player, phone in PLAYERS.items():
        rtt = rtt_ms(d, phone, "cloud")
        for op in ("read", "write"):
            assert 0.9 * rtt <= m[(player, op)] <= 3 * rtt + 300, (player, op, m[(player, op)], rtt)
    assert m[("player2", "read")] > 2 * m[("player1", "read")]  # 3G's round trip is ten times WiFi's


@needs_netns
def test_game_replicated_on_netns_reads_locally_and_writes_through_the_cloud():
    # Through amino.sweep and the game's own latency table, as reproduce() makes them.
    game = catalog.load("multiplayer_game")
    sweep = amino.sweep(lambda seed, **p: game.build(seed, duration=7.0, **p).on("netns"), seeds=(1,),
                        params={"deployment": ["replicated"], "partition": [False]}, progress=False, timeout=120)
    res = sweep[0]
    d = res.scenario
    assert_every_player_called(res)
    m = medians(res)
    log(f"replicated: medians {m}")
    table = {(row["player"], row["op"]): row for row in game.latency_table(sweep, after=1.0)}
    assert set(table) == set(m) and all(row["deployment"] == "replicated" for row in table.values())
    for key, row in table.items():
        assert row["median_ms"] == pytest.approx(m[key], abs=0.01), (key, row)
    rtt2 = rtt_ms(d, "phone2", "cloud")
    assert m[("player2", "read")] < 0.25 * rtt2, m  # the board's replica on phone2 answers
    assert m[("player2", "write")] >= 0.9 * rtt2, m  # a move goes to the cloud (and Raft to both phones)
    assert m[("player2", "write")] <= 3 * rtt_ms(d, "phone1", "phone2") + 3 * rtt2 + 300, m


@needs_netns
def test_game_partition_on_netns_black_holes_the_phones_and_stalls_raft_writes():
    d, res = run_game(deployment="replicated", partition=True, duration=8.0)
    assert_every_player_called(res)
    cut, heal = catalog.load("multiplayer_game").partition_window(8.0)
    applied = res.raw["netns"]["faults_applied"]
    assert [f["type"] for f in applied] == ["partition", "heal"], applied
    during = [r for r in res.records if cut <= r["start"] < heal]
    # Reads stay local on both phones through the cut.
    for player in PLAYERS:
        assert any(r["client"] == player and r["method"] == "read" and r["outcome"] == "OK" for r in during), player
    # Raft needs both phones for a write: a move started during the cut fails or waits out the cut.
    stalled = [r for r in during if r["method"] == "move" and (r["outcome"] != "OK" or r["latency"] > 1.0)]
    assert stalled, [(r["client"], r["start"], r["latency"], r["outcome"]) for r in during if r["method"] == "move"]


@needs_netns
def test_crash_restart_and_pause_of_hosts_without_clients_are_process_faults():
    sc = catalog.build("multiplayer_game", deployment="cloud", duration=6.0).on("netns")
    sc.crash(1.5, "cloud").restart(3.0, "cloud").fault(1.0, "pause", node="oms").fault(2.0, "resume", node="oms")
    res = amino.run(sc, timeout=120)
    assert res.ok, res.errors
    applied = [(f["type"], f.get("node")) for f in res.raw["netns"]["faults_applied"]]
    assert applied == [("pause", "oms"), ("crash", "cloud"), ("resume", "oms"), ("restart", "cloud")], applied
    # The board died with the cloud's process (kill -9; KeepInCloud keeps no replica elsewhere):
    # calls started after the crash fail, each within its 2 s timeout, and the run still ends.
    after = [r for r in res.records if r["start"] >= 1.6]
    assert after and all(r["outcome"] != "OK" for r in after if r["start"] < 2.9), after[:5]
    assert all(r["latency"] <= 2.5 for r in after)
    assert any(r["outcome"] == "OK" and r["start"] < 1.4 for r in res.records)


@needs_netns
def test_game_runs_from_the_command_line_on_netns(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.path.join(nd.BUILD, "pybind") + ":" + os.path.join(nd.REPO, "pybind")}
    out = tmp_path / "run"
    r = subprocess.run([sys.executable, "-m", "amino", "run", "multiplayer_game", "--backend", "netns", "--param",
                        "duration=4", "--out", str(out), "--timeout", "120"],
                       capture_output=True, text=True, env=env, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "netns backend" in r.stdout and "--backend netns" in r.stdout
    result = json.loads((out / "result.json").read_text())
    assert result["backend"] == "netns" and result["ok"]
    assert (out / "records.csv").read_text().count("\n") > 10


@needs_netns
def test_a_node_dying_mid_run_is_a_typed_error_not_a_hang():
    d = catalog.build("multiplayer_game", duration=30.0).on("netns").to_dict()
    started = time.monotonic()
    with netns_backend.NetnsRun(d) as r:
        r.boot()
        r.create()
        r.start()
        time.sleep(1.0)
        r.cluster.node("phone2").proc.kill()
        with pytest.raises(netns_backend.NodeDied, match="phone2's process ended during the run"):
            r.wait()
        namespaces = [n.ns for n in r.cluster.nodes.values()]
    assert time.monotonic() - started < 25, "the death was noticed only at the end of the run"
    assert not set(namespaces) & set(netns_cluster._netns_names())


@needs_netns
def test_netns_refuses_faults_the_network_cannot_express_before_running():
    game = catalog.build("multiplayer_game", duration=4.0).on("netns")
    sc = amino.Scenario.from_dict(game.to_dict()).fault(1, "clock", node="cloud", offset_ns=5, drift=0)
    sc.fault(1.5, "crash", node="phone1")
    with pytest.raises(runner.ScenarioError) as e:
        amino.run(sc)
    text = "\n".join(e.value.problems)
    assert "'clock'" in text and "not on the netns backend" in text
    assert "crash' of phone1" in text and "runs clients" in text
    with pytest.raises(runner.ScenarioError, match="unknown"):
        amino.run(amino.Scenario.from_dict(game.to_dict()).partition(1, ["phone1"], ["mars"]))


def _node_program(tmp_path, addresses, scenario=None, commands=""):
    """Runs amino-scenario-node with an address map (no namespace: it must refuse before binding)."""
    d = scenario or catalog.build("multiplayer_game", duration=2.0).on("netns").to_dict()
    (tmp_path / "scenario.json").write_text(json.dumps(d))
    (tmp_path / "addresses.json").write_text(addresses if isinstance(addresses, str) else json.dumps(addresses))
    key = tmp_path / "cluster.key"
    key.write_text("ab" * 32 + "\n")
    key.chmod(0o600)
    return subprocess.run([PROGRAM, "--scenario", str(tmp_path / "scenario.json"), "--host", "cloud", "--addresses",
                           str(tmp_path / "addresses.json"), "--cluster-key-file", str(key)],
                          capture_output=True, text=True, timeout=30, input=commands)


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


GOOD = {"oms": "127.0.0.1:7401", "cloud": f"127.0.0.1:{_free_port()}", "phone1": "127.0.0.1:7403",
        "phone2": "127.0.0.1:7404"}


@needs_program
@pytest.mark.parametrize("addresses, error", [
    ({**GOOD, "mars": "127.0.0.1:7405"}, "unknown host 'mars' in the address map"),
    ({k: v for k, v in GOOD.items() if k != "phone2"}, "host 'phone2' has no address"),
    ({**GOOD, "phone2": "127.0.0.1"}, "is not ADDRESS:PORT"),
    ({**GOOD, "phone2": "127.0.0.1:99999"}, "is not ADDRESS:PORT"),
    ({**GOOD, "phone2": GOOD["phone1"]}, "two hosts at 127.0.0.1:7403"),
    ({**GOOD, "phone2": 7}, "address must be a string"),
    ("[1, 2", "must be a JSON object"),
])
def test_node_program_refuses_a_bad_address_map(tmp_path, addresses, error):
    r = _node_program(tmp_path, addresses)
    assert r.returncode == 2 and error in r.stderr, r.stderr


@needs_program
def test_node_program_refuses_a_scenario_for_another_backend_and_ends_with_its_stdin(tmp_path):
    r = _node_program(tmp_path, GOOD, catalog.build("multiplayer_game", duration=2.0).on("sockets").to_dict())
    assert r.returncode == 2 and "not netns" in r.stderr, r.stderr
    r = _node_program(tmp_path, GOOD)  # stdin at its end at once: the launcher is gone, so is the node
    assert r.returncode == 0, r.stderr


@needs_program
def test_node_program_answers_every_command_line_even_a_malformed_one(tmp_path):
    commands = ["bogus", "create", "create 99", "create -1", "create 0x", "kernel_servers", "start", "start -5",
                "start 99999999999999999999", "collect", "start 1", "start 1", "quit", "collect"]
    r = _node_program(tmp_path, GOOD, commands="\n".join(commands) + "\n")
    answers = r.stdout.splitlines()
    assert r.returncode == 0, r.stderr
    assert answers[0] == "error unknown command 'bogus'"
    assert all(a.startswith("error create: no deployment") for a in answers[1:5]), answers
    assert answers[5] == "error kernel_servers: cloud is not the OMS host"
    assert all(a.startswith("error start: expected a CLOCK_MONOTONIC time") for a in answers[6:9]), answers
    part = json.loads(answers[9].split(" ", 1)[1])
    assert part["host"] == "cloud" and part["records"] == [] and part["history"] == []
    assert answers[10] == "started" and answers[11] == "error start: already started"
    assert answers[12:] == ["bye"]  # nothing is read after quit


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv to drop to nobody")
def test_without_root_the_netns_backend_is_refused_saying_why():
    env = {**os.environ, "PYTHONPATH": os.path.join(nd.BUILD, "pybind") + ":" + os.path.join(nd.REPO, "pybind"),
           "HOME": "/tmp"}
    r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "amino",
                        "run", "multiplayer_game", "--backend", "netns", "--param", "duration=2"],
                       capture_output=True, text=True, env=env, timeout=120, cwd="/tmp")
    if "Permission denied" in r.stderr or "No module named" in r.stderr:
        pytest.skip(f"the checkout is not readable by nobody: {r.stderr[-300:]}")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "the netns backend cannot run on this machine: network namespaces need root" in r.stderr, r.stderr


@needs_netns
def test_replicated_oms_on_netns_survives_a_kill_of_the_serving_replica():
    # oms_replicas (issue 12): each replica its own process and namespace, its Raft log in its
    # storage directory; the serving one is killed (-9) and started again from that directory.
    sc = (amino.Scenario(seed=1, duration=6.0, backend="netns", oms_replicas=["oms1", "oms2", "oms3"])
          .host("cloud", "cloud_server", labels={"tier": "cloud"})
          .host("phone", "phone_wifi")
          .deploy("counter", on="phone", cls="VisitCounter", dms=["KeepInCloud"])
          .client("p", node="phone", target="counter", calls=[amino.call("visit")], rate=20.0))
    probe = amino.run(amino.Scenario.from_dict({**sc.to_dict(), "duration": 0.5}), timeout=120)
    assert probe.ok, probe.errors
    leader = probe.raw["oms"]["leader_at_t0"]
    sc.crash(1.0, leader).restart(3.0, leader)
    res = amino.run(sc, timeout=120)
    assert res.ok, res.errors
    applied = [(f["type"], f.get("node")) for f in res.raw["netns"]["faults_applied"]]
    assert applied == [("crash", leader), ("restart", leader)], applied
    oms = res.raw["oms"]
    assert oms["replicas"] == ["oms1", "oms2", "oms3"] and oms["leader_at_end"] in oms["replicas"]
    if oms["leader_at_t0"] == leader:  # real time: the first election is the founder's as a rule
        assert oms["leader_at_end"] != leader
    late = [r for r in res.records if r["start"] > 2.0]
    assert late and all(r["outcome"] == "OK" for r in late), late[:5]
