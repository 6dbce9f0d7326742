"""A scenario's fault schedule (docs/faults.md) as the time spans a timeline draws.

A schedule is a list of instants ("crash a at 3 s", "restart a at 5 s"); a timeline wants intervals
("a is down from 3 s to 5 s"). This module pairs each fault with the one that ends it:

    partition, partition_one_way, partition_bridge, partition_majorities_ring  -> the next heal
    crash -> the node's next restart             pause -> the node's next resume
    message_faults -> the next clear_message_faults, or the next rule for the same from/to pair
    clock -> the node's next clock fault         link -> the next change of the same link
    torn_write -> the node's next crash (the disk stays armed until then)

Triggers ("on_probe": faults timed to a protocol event) are not faults until they fire, so a
schedule's triggers draw nothing; faults_from_run adds the faults the run's triggers applied, at the
times they acted, labelled with the probe that fired them.

A fault nothing ends lasts to the end of the run (end None). Ending faults (heal, restart, resume,
clear_message_faults) become spans only when they end nothing, as instants, so no scheduled fault
disappears from the picture. Partitions accumulate until a heal (FaultState::block_all adds pairs),
which is why every open partition ends at the same heal.
"""
from __future__ import annotations

import json
from typing import Any

PARTITIONS = ("partition", "partition_one_way", "partition_bridge", "partition_majorities_ring")
NS_PER_S = 1_000_000_000


def faults_from_scenario(scenario: Any) -> list[dict]:
    """The timeline fault spans of a scenario's fault schedule, ordered by start.

    `scenario`: an amino.Scenario, its dict (Results.scenario, a saved scenario.json: faults with
    `at` in seconds), a C++ schedule ({"faults": [{"at_ns": ...}]}, testbed/fault_schedule.h) or
    that list of faults itself. Returns [{"kind", "start", "end", "targets", "label"}] with times in
    nanoseconds of simulated time (end None: until the end). ValueError on a malformed fault."""
    if hasattr(scenario, "to_dict"):
        scenario = scenario.to_dict()
    entries = scenario.get("faults", []) if isinstance(scenario, dict) else scenario
    if not isinstance(entries, (list, tuple)):
        raise ValueError(f"a fault schedule is a list of faults, got {type(entries).__name__}")
    timed = sorted(((_at_ns(f, i), i, f) for i, f in enumerate(entries) if not _is_trigger(f)),
                   key=lambda x: (x[0], x[1]))
    spans: list[dict] = []
    open_spans: dict = {}  # open_spans: closing key -> spans waiting for it
    for at, _, f in timed:
        kind = f["type"]
        closed = _close(kind, f, at, open_spans)
        opens = _opening(kind, f)
        if opens is None:  # an ending fault
            if not closed:
                spans.append(_span(kind, at, at, _targets(kind, f), _label(kind, f)))
            continue
        span = _span(kind, at, None, _targets(kind, f), _label(kind, f))
        spans.append(span)
        for key in opens:
            open_spans.setdefault(key, []).append(span)
    return spans


def faults_from_run(results: Any) -> list[dict]:
    """The fault spans of a run: its scenario's timed faults and the faults its triggers applied
    (Results.triggered: each fired trigger's faults with their "time" in ns since time 0)."""
    scenario = results.scenario or {}
    entries = [f for f in scenario.get("faults", []) if not _is_trigger(f)]
    for fired in getattr(results, "triggered", None) or []:
        for f in fired.get("faults", []):
            g = {k: v for k, v in f.items() if k != "time"}
            g["at_ns"] = f.get("time", 0)
            g["trigger"] = f"{fired.get('kind')} on {fired.get('node')}"
            entries.append(g)
    return faults_from_scenario(entries)


def _is_trigger(f):
    return isinstance(f, dict) and f.get("type") == "on_probe"


def _at_ns(f, i):
    if not isinstance(f, dict) or not isinstance(f.get("type"), str):
        raise ValueError(f"fault {i}: expected an object with a \"type\", got {f!r}")
    if "at_ns" in f:
        at = f["at_ns"]
        scale = 1
    else:
        at = f.get("at", 0)
        scale = NS_PER_S
    if isinstance(at, bool) or not isinstance(at, (int, float)) or at != at or abs(at) == float("inf"):
        raise ValueError(f"fault {i} ({f['type']}): time must be a finite number, got {at!r}")
    return int(round(at * scale))


def _span(kind, start, end, targets, label):
    return {"kind": kind, "start": start, "end": end, "targets": targets, "label": label}


def _nodes(f, field):
    return _names(f.get(field, []), f"{f['type']} fault: {field}")


def _names(v, what):
    if not isinstance(v, list) or not all(isinstance(n, str) for n in v):
        raise ValueError(f"{what} must be a list of node names, got {v!r}")
    return list(v)


def _node(f):
    n = f.get("node")
    if not isinstance(n, str):
        raise ValueError(f"{f['type']} fault: node must be a node name, got {n!r}")
    return n


def _targets(kind, f):
    """Nodes (or a link name) the fault acts on; a list of groups for the partitions that have sides."""
    if kind == "partition":
        groups = f.get("groups", [])
        if not isinstance(groups, list):
            raise ValueError(f"partition fault: groups must be a list of lists, got {groups!r}")
        return [_names(g, "partition fault: each group") for g in groups]
    if kind == "partition_one_way":
        return [_nodes(f, "from"), _nodes(f, "to")]
    if kind == "partition_bridge":
        nodes = _nodes(f, "nodes")
        half = len(nodes) // 2
        return [nodes[:half], nodes[half:half + 1], nodes[half + 1:]]
    if kind == "partition_majorities_ring":
        return _nodes(f, "nodes")
    if kind == "message_faults":
        return [n for n in (f.get("from", "*"), f.get("to", "*")) if n != "*"]
    if kind == "link":
        return [str(f.get("link", "?"))]
    if "node" in f:
        return [_node(f)]
    return []


def _opening(kind, f):
    """Keys of the faults that end this one; None for faults that only end others."""
    if kind in PARTITIONS:
        return [("heal",)]
    if kind == "crash":
        return [("restart", _node(f))]
    if kind == "pause":
        return [("resume", _node(f))]
    if kind == "message_faults":
        return [("clear_message_faults",), ("message_faults", f.get("from", "*"), f.get("to", "*"))]
    if kind == "clock":
        return [("clock", _node(f))]
    if kind == "torn_write":
        return [("crash", _node(f))]
    if kind == "link":
        return [("link", str(f.get("link", "?")))]
    if kind in ("heal", "restart", "resume", "clear_message_faults"):
        return None
    return []  # a type this module does not know: drawn from its time to the end


def _close(kind, f, at, open_spans):
    """Ends the open spans this fault ends; whether there were any."""
    if kind in ("heal", "clear_message_faults"):
        keys = [(kind,)]
    elif kind == "message_faults":
        keys = [("message_faults", f.get("from", "*"), f.get("to", "*"))]
    elif kind in ("restart", "resume", "clock", "crash"):
        keys = [(kind, _node(f))]
    elif kind == "link":
        keys = [("link", str(f.get("link", "?")))]
    else:
        keys = []
    closed = False
    for key in keys:
        for span in open_spans.pop(key, []):
            if span["end"] is None:
                span["end"] = at
                closed = True
    return closed


def _label(kind, f):
    label = _fault_label(kind, f)
    return f"{label} (after {f['trigger']})" if isinstance(f.get("trigger"), str) else label


def _fault_label(kind, f):
    mode = f" ({f['mode']})" if f.get("mode", "drop") != "drop" else ""
    if kind == "partition":
        return "partition " + " | ".join(",".join(g) for g in _targets(kind, f)) + mode
    if kind == "partition_one_way":
        a, b = _targets(kind, f)
        return f"one-way partition {','.join(a)} -> {','.join(b)}" + mode
    if kind == "partition_bridge":
        a, mid, b = _targets(kind, f)
        return f"bridge {','.join(a)} | <{','.join(mid)}> | {','.join(b)}" + mode
    if kind == "partition_majorities_ring":
        return "majorities ring " + "-".join(_nodes(f, "nodes")) + mode
    if kind == "crash":
        return f"crash {_node(f)}" + (" (storage wiped)" if f.get("wipe_storage") else "")
    if kind == "message_faults":
        rules = {k: v for k, v in (f.get("faults") or {}).items() if v}
        return f"message faults {f.get('from', '*')} -> {f.get('to', '*')} {json.dumps(rules, sort_keys=True)}"
    if kind == "clock":
        return f"clock {_node(f)} offset {f.get('offset_ns', 0)} ns drift {f.get('drift', 0)}"
    if kind == "link":
        fields = {k: f[k] for k in ("latency_ns", "bandwidth") if k in f}
        return f"link {f.get('link', '?')} {json.dumps(fields, sort_keys=True)}"
    node = f" {f['node']}" if isinstance(f.get("node"), str) else ""
    return f"{kind}{node}"
