"""Histories (pybind/history.h, pybind/README.md "Histories"): every call of a simulated run as an
invoke event and a completion (ok / fail / info) with arguments, replies and simulated times."""
import json

import amino

COMPLETIONS = ("ok", "fail", "info")
SAME_IN_BOTH = ("process", "f", "object", "client", "node")


def board_scenario(seed=1, partition=None, count=12, timeout=0.5, duration=3.0):
    """A Board on a server; a closed-loop player claims and reads, an open-loop one claims at a rate
    high enough for several of its calls to be in flight at once. `partition`: (from, to) seconds
    during which the closed-loop player's phone is cut off (to None: until the end)."""
    sc = (amino.Scenario(seed=seed, duration=duration)
          .host("server", "cloud_server")
          .host("phone", "phone_wifi")
          .host("tablet", "tablet_wifi")
          .deploy("board", on="server", cls="Board", args=[4])
          .client("p1", node="phone", target="board", timeout=timeout, think=0.1, count=count,
                  calls=[amino.call("claim", 0, 0, "p1"), amino.call("read")])
          .client("p2", node="tablet", target="board", calls=[amino.call("claim", 1, 2, "p2")], rate=80, count=10))
    if partition:
        sc.partition(partition[0], ["phone"], ["server", "tablet"])
        if partition[1] is not None:
            sc.heal(partition[1])
    return sc


def operations(history):
    """(invoke, completion or None) pairs, in invoke order; checks the pairing on the way."""
    open_by_process, ops = {}, []
    for e in history:
        p = e["process"]
        if e["type"] == "invoke":
            assert p not in open_by_process, f"process {p} has two operations outstanding: {e}"
            open_by_process[p] = len(ops)
            ops.append([e, None])
        else:
            assert e["type"] in COMPLETIONS, e
            assert p in open_by_process, f"completion without an invoke: {e}"
            ops[open_by_process.pop(p)][1] = e
    return ops


def test_every_call_is_an_invoke_with_its_arguments_then_a_completion_with_its_reply():
    res = amino.run(board_scenario())
    assert res.ok, res.errors
    ops = operations(res.history)
    assert len(ops) == 12 + 10 and all(done is not None for _, done in ops)
    assert res.raw["unfinished_calls"] == 0
    for inv, done in ops:
        assert {k: inv[k] for k in SAME_IN_BOTH} == {k: done[k] for k in SAME_IN_BOTH}
        assert isinstance(inv["time"], int) and isinstance(done["time"], int)
        assert 0 <= inv["time"] <= done["time"] <= 3 * 10**9
        assert "key" not in inv
    claims = [(inv, done) for inv, done in ops if inv["f"] == "claim" and inv["client"] == "p1"]
    reads = [(inv, done) for inv, done in ops if inv["f"] == "read"]
    assert [inv["value"] for inv, _ in claims] == [[0, 0, "p1"]] * 6
    assert [inv["value"] for inv, _ in reads] == [[]] * 6
    # The first claim of (0, 0) scores; the board then refuses it: an application exception is an
    # "ok" (the method ran), with no value and the exception as the error.
    assert claims[0][1]["type"] == "ok" and isinstance(claims[0][1]["value"], int) and "error" not in claims[0][1]
    for _, done in claims[1:]:
        assert done["type"] == "ok" and done["value"] is None and done["error"].startswith("APP_ERROR")
    for _, done in reads:
        assert done["type"] == "ok" and done["value"]["cells"][0] == "p1"
    # The history is the records' calls, one completion per record, in the same outcome.
    assert sorted((r["client"], r["method"], r["outcome"] in ("OK", "APP_ERROR")) for r in res.records) == \
        sorted((d["client"], d["f"], d["type"] == "ok") for _, d in ops)


def test_processes_are_workloads_in_declaration_order_and_lanes_of_concurrent_calls():
    res = amino.run(board_scenario())
    by_client = {}
    for e in res.history:
        by_client.setdefault(e["client"], set()).add(e["process"])
    assert by_client["p1"] == {0}                       # closed loop: one call at a time
    assert all(p % 2 == 1 for p in by_client["p2"])     # workload 1 of 2: processes 1, 3, 5, ...
    assert len(by_client["p2"]) > 1                     # open loop: calls overlapped
    last = {}
    for e in res.history:                               # times never go back, overall and per process
        assert e["time"] >= last.get(e["process"], 0) and e["time"] >= last.get("all", 0)
        last[e["process"]] = last["all"] = e["time"]


def test_a_call_that_times_out_under_a_partition_is_info():
    res = amino.run(board_scenario(partition=(1.0, 2.0), count=1000))
    assert res.ok, res.errors
    ops = [(inv, done) for inv, done in operations(res.history) if inv["client"] == "p1"]
    cut = [(inv, done) for inv, done in ops if 1.05e9 <= inv["time"] < 1.9e9]
    assert cut
    for inv, done in cut:
        assert done["type"] == "info", done
        assert done["error"].startswith("TIMEOUT") and done["value"] == inv["value"]
        assert done["time"] - inv["time"] >= 0.5e9    # the call's timeout
    healed = [done for inv, done in ops if inv["time"] >= 2.2e9 and done]
    assert healed and all(done["type"] == "ok" for done in healed)
    assert not [d for _, d in ops if d["type"] == "fail"]


def test_a_call_that_never_reached_its_object_fails():
    # The phone cannot reach the OMS, so its first call cannot even look the board up (the kernel's
    # 5 s control timeout): it certainly did not run.
    sc = (amino.Scenario(seed=1, duration=8.0)
          .host("server", "cloud_server")
          .host("phone", "phone_wifi")
          .deploy("board", on="server", cls="Board", args=[4])
          .client("p1", node="phone", target="board", calls=[amino.call("read")], count=1, start=0.1))
    sc.partition(0.0, ["phone"], ["oms", "server"]).heal(7.0)
    res = amino.run(sc)
    assert res.ok, res.errors
    [(inv, done)] = operations(res.history)
    assert done["type"] == "fail" and done["value"] == [] and done["error"].startswith("TIMEOUT")


def test_a_call_in_flight_at_the_end_has_no_completion():
    # Cut for good with a long timeout: the last call is still waiting when the run ends.
    res = amino.run(board_scenario(partition=(1.0, None), count=1000, timeout=30.0))
    ops = operations(res.history)
    unfinished = [inv for inv, done in ops if done is None]
    assert len(unfinished) == res.raw["unfinished_calls"] == 1 and unfinished[0]["client"] == "p1"


def test_same_seed_same_history():
    a, b, c = (amino.run(board_scenario(seed=s, partition=(1.0, 2.0), count=1000)) for s in (4, 4, 5))
    assert a.history == b.history and a.history
    assert a.history != c.history                      # Poisson arrivals come from the seed


def test_history_jsonl_round_trips_and_save_writes_it(tmp_path):
    res = amino.run(board_scenario(partition=(1.0, 2.0), count=1000))
    path = res.history_jsonl(str(tmp_path / "h.jsonl"))
    lines = open(path).read().splitlines()
    assert [json.loads(line) for line in lines] == res.history
    assert list(json.loads(lines[0]))[:3] == ["process", "type", "f"]   # the shared format's order
    out = res.save(str(tmp_path / "out"))
    saved = [json.loads(line) for line in open(f"{out}/history.jsonl")]
    assert saved == res.history
    assert "history" not in json.load(open(f"{out}/result.json"))


def test_trace_names_the_methods_without_changing_the_hash(tmp_path):
    trace = tmp_path / "t.json"
    traced = amino.run(board_scenario(), trace=str(trace), jsonl=str(tmp_path / "t.jsonl"))
    plain = amino.run(board_scenario())                # keeps no trace events, so labels nothing
    assert traced.trace_hash == plain.trace_hash
    names = {e["name"] for e in json.load(open(trace))["traceEvents"]}
    for name in ("send to server: ks.invoke claim", "recv from phone: ks.invoke read",
                 "send to phone: reply ks.invoke read", "recv from server: reply ks.invoke claim"):
        assert name in names
    calls = [json.loads(line).get("call") for line in open(tmp_path / "t.jsonl")]
    assert "ks.invoke claim" in calls and "oms.acquire" in calls


def test_sockets_backend_records_a_history_too():
    # Real TCP on loopback, real time: the shape holds (pairs, arguments, integer times), not timings.
    res = amino.run(board_scenario().on("sockets"))  # 3 s of real time
    assert res.ok, res.errors
    ops = operations(res.history)
    assert len(ops) == 12 + 10 and all(done is not None for _, done in ops)
    assert [inv["value"] for inv, _ in ops if inv["client"] == "p1"][:2] == [[0, 0, "p1"], []]
    assert all(isinstance(e["time"], int) and e["time"] >= 0 for e in res.history)
