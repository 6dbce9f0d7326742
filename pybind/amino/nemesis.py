"""Seeded random fault schedules (Jepsen's nemesis) over a scenario's nodes, from the fault
vocabulary of docs/faults.md, always repaired before a quiet tail.

    faults = amino.nemesis.generate(["a", "b", "c"], seed=7, end=20)
    amino.nemesis.apply(scenario, faults)

Each fault is drawn at random intervals and repaired after a random duration: a partition (every
kind) by a heal, a crash (with or without storage) by a restart, a pause by a resume, a clock
change by resetting the clock, message faults by clearing them, a slower uplink by its original
latency. At most `max_down` nodes are crashed or paused at once (default: a minority), one
partition and one set of message faults at a time. From `end - quiet` on nothing is broken, so a
system that recovers has time to show it. Same arguments and seed, same schedule.
"""
from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence

if TYPE_CHECKING:
    from .scenario import Scenario

# Every kind generate() draws from; `kinds_for(backend)` is the subset a backend accepts.
KINDS = ("partition", "partition_one_way", "partition_bridge", "partition_majorities_ring", "crash",
         "crash_wipe", "pause", "clock", "message_faults", "link")
# Faults the sockets backend rejects before a run (docs/faults.md: platform faults are sim-only,
# except crash and restart).
SIM_ONLY = ("pause", "clock", "link")

# Triggered faults generate() can draw (triggered=): name -> what it does. Probes: runtime/probe.h,
# the Raft ones in docs/faults.md ("Probes").
TRIGGERED = {
    "crash_new_leader": "crash a replica right after it becomes leader (raft.leader); restart it 5-500 ms later",
    "wipe_new_leader": "the same, crash without storage: it comes back as a new replica",
    "pause_new_leader": "pause a new leader for 0.3-1.2 s (it returns believing it still leads)",
    "restart_voter": "crash a replica right after it grants a vote (raft.vote); restart it 1-20 ms later",
    "crash_after_commit": "crash the leader right after it commits an entry (raft.commit); restart it 5-300 ms later",
    "isolate_after_commit": "cut the leader off from every other node right after a commit; heal 0.2-1.5 s later",
    "restart_after_apply": "crash a replica right after it applies an entry (raft.apply); restart it 1-50 ms later",
}


def kinds_for(backend: str) -> tuple[str, ...]:
    """The kinds a backend runs: all on "sim"; no pause, clock or link change on "sockets"."""
    if backend not in ("sim", "sockets"):
        raise ValueError(f"backend must be 'sim' or 'sockets', got {backend!r}")
    return KINDS if backend == "sim" else tuple(k for k in KINDS if k not in SIM_ONLY)


def generate(nodes: Sequence[str], *, seed: int, end: float, start: float = 1.0, quiet: float = 3.0,
             kinds: Iterable[str] = KINDS, interval: tuple[float, float] = (0.2, 1.5),
             duration: tuple[float, float] = (0.1, 2.0), max_down: Optional[int] = None,
             mode: str = "drop", uplink_latency_ns: Optional[dict] = None,
             reorder_window: tuple[float, float] = (0.0, 0.05), triggered: Iterable[str] = (),
             triggered_interval: tuple[float, float] = (0.5, 2.5)) -> list[dict]:
    """A fault list (Scenario.fault dicts: {"at": s, "type": ..., fields}) in time order.

    nodes: the hosts to break (e.g. the replicas' hosts; clients' hosts may be included in
    partitions). Faults start in [start, end - quiet); each lasts uniform(duration) seconds
    (repairs are clipped to end - quiet); the gap to the next is uniform(interval). mode: "drop"
    (silent) or "reset" partitions, or "mixed". uplink_latency_ns: {host: ns} of the hosts'
    uplinks, needed to restore them after a "link" fault (for_scenario() reads Scenario.hosts).
    reorder_window: (low, high) seconds a reordered message may be held back (message faults).
    triggered: names from TRIGGERED to draw "on_probe" entries from, one every
    uniform(triggered_interval) seconds, each armed for 0.3-2 s (1-4 s for elections and votes),
    counted against max_down (a crash or pause) or the one partition at a time like the timed
    faults; none by default.
    """
    nodes = list(nodes)
    kinds = tuple(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise ValueError(f"unknown fault kind(s) {unknown} (known: {', '.join(KINDS)})" if unknown
                         else "kinds is empty")
    if len(set(nodes)) != len(nodes) or not nodes:
        raise ValueError(f"nodes must be distinct host names, got {nodes}")
    if not 0 <= start < end - quiet:
        raise ValueError(f"need 0 <= start < end - quiet, got start={start} end={end} quiet={quiet}")
    for name, (lo, hi) in (("interval", interval), ("duration", duration)):
        if not 0 < lo <= hi:
            raise ValueError(f"{name} must be (low, high) with 0 < low <= high, got {(lo, hi)}")
    if mode not in ("drop", "reset", "mixed"):
        raise ValueError(f"mode must be drop, reset or mixed, got {mode!r}")
    if max_down is None:
        max_down = (len(nodes) - 1) // 2
    if "link" in kinds and not uplink_latency_ns:
        raise ValueError("a 'link' fault needs uplink_latency_ns={host: ns} to restore (for_scenario() passes it)")
    uplinks = uplink_latency_ns or {}
    rng = random.Random(seed)
    stop = end - quiet
    faults: list[dict] = []
    down: dict[str, float] = {}      # node -> when it comes back (crashed or paused)
    busy_until: dict[str, Any] = {"partition": 0.0, "message_faults": 0.0, "clock": {}, "link": {}}

    def add(at, type_, **fields):
        faults.append({"at": round(at, 9), "type": type_, **fields})

    def partition_mode():
        return rng.choice(("drop", "reset")) if mode == "mixed" else mode

    t = start
    while True:
        t += rng.uniform(*interval)
        if t >= stop:
            break
        for n in [n for n, back in down.items() if back <= t]:
            del down[n]
        kind = rng.choice(kinds)
        repair = min(t + rng.uniform(*duration), stop)
        if kind.startswith("partition"):
            if busy_until["partition"] > t or len(nodes) < 2:
                continue
            shuffled = rng.sample(nodes, len(nodes))
            if kind == "partition":
                cut = rng.randint(1, len(nodes) - 1)
                add(t, kind, groups=[shuffled[:cut], shuffled[cut:]], mode=partition_mode())
            elif kind == "partition_one_way":
                cut = rng.randint(1, len(nodes) - 1)
                add(t, kind, **{"from": shuffled[:cut], "to": shuffled[cut:]}, mode=partition_mode())
            elif kind == "partition_bridge":
                if len(nodes) < 3:
                    continue
                add(t, kind, nodes=shuffled, mode=partition_mode())
            else:
                if len(nodes) < 5:
                    continue
                add(t, kind, nodes=shuffled, mode=partition_mode())
            add(repair, "heal")
            busy_until["partition"] = repair
        elif kind in ("crash", "crash_wipe", "pause"):
            up = [n for n in nodes if n not in down]
            if len(down) >= max_down or not up:
                continue
            node = rng.choice(up)
            if kind == "pause":
                add(t, "pause", node=node)
                add(repair, "resume", node=node)
            else:
                add(t, "crash", node=node, wipe_storage=kind == "crash_wipe")
                add(repair, "restart", node=node)
            down[node] = repair
        elif kind == "clock":
            node = rng.choice(nodes)
            if busy_until["clock"].get(node, 0.0) > t:
                continue
            add(t, "clock", node=node, offset_ns=int(rng.uniform(-min(0.5, t / 2), 0.5) * 1e9), drift=rng.uniform(-1e-4, 1e-4))
            add(repair, "clock", node=node, offset_ns=0, drift=0.0)
            busy_until["clock"][node] = repair
        elif kind == "message_faults":
            if busy_until["message_faults"] > t:
                continue
            src, dst = rng.choice(nodes + ["*"]), rng.choice(nodes + ["*"])
            faults_ = {"drop": round(rng.uniform(0, 0.3), 3), "duplicate": round(rng.uniform(0, 0.3), 3),
                       "reorder": round(rng.uniform(0, 0.5), 3), "reorder_window_ns": int(rng.uniform(*reorder_window) * 1e9)}
            add(t, "message_faults", **{"from": src, "to": dst}, faults=faults_)
            add(repair, "clear_message_faults")
            busy_until["message_faults"] = repair
        else:  # link: a slower uplink for a while
            node = rng.choice(nodes)
            if busy_until["link"].get(node, 0.0) > t or node not in uplinks:
                continue
            base = int(uplinks[node])
            add(t, "link", link=f"{node}/uplink", latency_ns=int(base * rng.uniform(2, 20)))
            add(repair, "link", link=f"{node}/uplink", latency_ns=base)
            busy_until["link"][node] = repair
    faults.sort(key=lambda f: f["at"])  # stable: a repair at the same instant stays after its fault
    triggered = tuple(triggered)
    if triggered:
        faults += _triggered(nodes, faults, seed=seed, start=start, stop=stop, kinds=triggered,
                             interval=triggered_interval, max_down=max_down)
        faults.sort(key=lambda f: f["at"])
    return faults


def _triggered(nodes, timed, *, seed, start, stop, kinds, interval, max_down) -> list[dict]:
    """The "on_probe" entries of generate(): windows that fit the timed faults' budget."""
    unknown = [k for k in kinds if k not in TRIGGERED]
    if unknown:
        raise ValueError(f"unknown triggered fault(s) {unknown} (known: {', '.join(TRIGGERED)})")
    lo, hi = interval
    if not 0 < lo <= hi:
        raise ValueError(f"triggered_interval must be (low, high) with 0 < low <= high, got {interval}")
    rng = random.Random(f"amino.nemesis.triggered/{seed}")  # a stream of its own: timed faults unchanged
    down_spans, partition_spans = _spans(timed)
    taken_down: list[tuple[float, float]] = []  # (from, to) of the triggered entries so far
    taken_partition: list[tuple[float, float]] = []  # (from, to) of the triggered entries so far
    out = []
    t = start
    while True:
        t += rng.uniform(lo, hi)
        kind = rng.choice(kinds)
        probe, nth, actions = _plan(kind, rng, nodes)
        # Elections and votes are rare (they follow faults): wait longer for them.
        until = t + (rng.uniform(1.0, 4.0) if probe in ("raft.leader", "raft.vote") else rng.uniform(0.3, 2.0))
        end = until + max(after for after, _ in actions)
        if end >= stop:
            break
        if kind == "isolate_after_commit":
            if len(nodes) < 2 or _overlaps(partition_spans + taken_partition, t, end):
                continue
            taken_partition.append((t, end))
        else:
            busy = sum(1 for _, a, b in down_spans if a < end and b > t) + \
                sum(1 for a, b in taken_down if a < end and b > t)
            if busy >= max_down:
                continue
            taken_down.append((t, end))
        out.append({"at": round(t, 9), "type": "on_probe", "probe": probe, "nth": nth, "until": round(until, 9),
                    "faults": [{"after": round(after, 9), **fault} for after, fault in actions]})
    return out


def _plan(kind, rng, nodes):
    """(probe kind, nth, [(delay s, fault)]) of one triggered entry."""
    if kind in ("crash_new_leader", "wipe_new_leader"):
        return "raft.leader", 1, [
            (0.0, {"type": "crash", "node": "$node", "wipe_storage": kind == "wipe_new_leader"}),
            (rng.uniform(0.005, 0.5), {"type": "restart", "node": "$node"})]
    if kind == "pause_new_leader":
        return "raft.leader", 1, [
            (0.0, {"type": "pause", "node": "$node"}), (rng.uniform(0.3, 1.2), {"type": "resume", "node": "$node"})]
    if kind == "restart_voter":
        return "raft.vote", rng.randint(1, 2), [
            (0.0, {"type": "crash", "node": "$node", "wipe_storage": False}),
            (rng.uniform(0.001, 0.02), {"type": "restart", "node": "$node"})]
    if kind == "crash_after_commit":
        return "raft.commit", rng.randint(1, 5), [
            (0.0, {"type": "crash", "node": "$node", "wipe_storage": False}),
            (rng.uniform(0.005, 0.3), {"type": "restart", "node": "$node"})]
    if kind == "restart_after_apply":
        return "raft.apply", rng.randint(1, 10), [
            (0.0, {"type": "crash", "node": "$node", "wipe_storage": False}),
            (rng.uniform(0.001, 0.05), {"type": "restart", "node": "$node"})]
    # isolate_after_commit: the probe's node alone, everyone else together
    return "raft.commit", rng.randint(1, 5), [
        (0.0, {"type": "partition", "groups": [["$node"], list(nodes)], "mode": "drop"}),
        (rng.uniform(0.2, 1.5), {"type": "heal"})]


def _spans(timed):
    """[(node, from, to)] of the timed crashes and pauses, [(from, to)] of the timed partitions."""
    down, partitions, opened = [], [], {}
    for f in timed:
        kind = f["type"]
        if kind in ("crash", "pause"):
            opened[(kind, f["node"])] = f["at"]
        elif kind in ("restart", "resume"):
            key = ("crash" if kind == "restart" else "pause", f["node"])
            if key in opened:
                down.append((f["node"], opened.pop(key), f["at"]))
        elif kind.startswith("partition"):
            opened.setdefault(("partition",), f["at"])
        elif kind == "heal" and ("partition",) in opened:
            partitions.append((opened.pop(("partition",)), f["at"]))
    return down, partitions


def _overlaps(spans, a, b):
    return any(x < b and y > a for x, y in spans)


def uplink_latencies_ns(scenario: Scenario) -> dict:
    """{host: uplink latency in ns} of a Scenario's hosts (what a "link" fault restores)."""
    return {h["name"]: int(h.get("uplink_latency_ns", 0)) for h in scenario.hosts}


def apply(scenario: Scenario, faults: Iterable[dict]) -> Scenario:
    """Adds `faults` (from generate) to `scenario`; returns the scenario."""
    for f in faults:
        fields = {k: v for k, v in f.items() if k not in ("at", "type")}
        scenario.fault(f["at"], f["type"], **fields)
    return scenario


def for_scenario(scenario: Scenario, nodes: Sequence[str], *, seed: int, quiet: float = 3.0, **kw: Any) -> list[dict]:
    """generate() for `scenario`: ends at its duration, draws the kinds its backend runs (unless
    kinds= is given), every triggered fault on "sim" (unless triggered= is given) and knows its
    uplinks; then apply() it."""
    kw.setdefault("kinds", kinds_for(scenario.backend))
    kw.setdefault("triggered", tuple(TRIGGERED) if scenario.backend == "sim" else ())
    faults = generate(nodes, seed=seed, end=scenario.duration, quiet=quiet,
                      uplink_latency_ns=uplink_latencies_ns(scenario), **kw)
    apply(scenario, faults)
    return faults


# Per-frame fault kinds of a "message_faults" fault (generate() draws all of them).
MESSAGE_FAULTS = ("drop", "duplicate", "reorder")


def only_messages(faults: Iterable[dict], allow: Iterable[str]) -> list[dict]:
    """`faults` with every message fault limited to the per-frame kinds in `allow` (of
    MESSAGE_FAULTS): the others' probabilities set to 0. For a DM that does not tolerate, say,
    duplicated requests (a non-replicated object runs a duplicated write twice)."""
    allow = set(allow)
    unknown = allow - set(MESSAGE_FAULTS)
    if unknown:
        raise ValueError(f"unknown message fault kind(s) {sorted(unknown)} (known: {', '.join(MESSAGE_FAULTS)})")
    out = []
    for f in faults:
        if f["type"] == "message_faults":
            rules = dict(f["faults"])
            for k in MESSAGE_FAULTS:
                if k not in allow:
                    rules[k] = 0.0
            if "reorder" not in allow:
                rules["reorder_window_ns"] = 0
            f = dict(f, faults=rules)
        out.append(f)
    return out


def merge(*schedules: Iterable[dict]) -> list[dict]:
    """Several generated schedules as one, in time order (each keeps its own order at equal times):
    e.g. partitions over every node and crashes of the clients' hosts only."""
    faults = [f for s in schedules for f in s]
    faults.sort(key=lambda f: f["at"])
    return faults


def quiet_for(duration: float) -> float:
    """The quiet tail the DM hunt scenarios leave (3 s, or a third of a short run)."""
    return min(3.0, duration / 3)
