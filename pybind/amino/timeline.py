"""A history as one self-contained HTML timeline (issue 16, "Timelines").

    from amino import timeline
    timeline.write("t.html", history, faults=timeline.faults_from_scenario(res.scenario),
                   window={"key": "x", "start": 3_000_000, "end": 5_000_000, "ops": [12, 40]},
                   explanation="read of x returned 4 after write 5 completed")
    timeline.from_results(res, "t.html")   # res.history and the faults of res.scenario

One row per process: each operation is a bar from its invoke to its completion, coloured ok / fail /
info; an info operation, or one that never completed, may have taken effect at any later moment,
so a hatched strip (info) or a hatched bar (never completed) carries it on to the end of the
history. Above the processes, one row per node shows the fault spans (partitions, crashes,
pauses, ...), which also shade the whole chart faintly. A violation window is a red band with its
operations outlined and the checker's explanation on top.

The page needs no network: inline SVG, CSS and a little JS (timeline.js: zoom, scroll, axis
ticks, search). Every label is SVG text or a <title> in the DOM, so the browser's find and the
search box see operation names, arguments and results. Past `max_ops` operations only a
contiguous run of them (around the violation window, else the first ones) is drawn one by one;
the rest are counted per process and time bucket, and the page says so: the file stays bounded
(about 200 bytes per drawn operation).

History format (the project's JSON Lines, Jepsen's vocabulary): {"process": 3, "type": "invoke" |
"ok" | "fail" | "info", "f": "write", "key": "x", "value": 5, "time": ns, ...}; an operation is an
invoke plus the next completion of its process, named by the 0-based index of its invoke line.
Without "time" the line index is the time (the page says so); faults and window are then in line
indices too.
"""
from __future__ import annotations

import os
from typing import Any, Iterable

from .timeline_faults import faults_from_run, faults_from_scenario
from .timeline_page import AGG_BUCKETS, COLOURS, Page

__all__ = ["render", "write", "from_results", "faults_from_scenario", "faults_from_run", "COLOURS", "MAX_OPS", "AGG_BUCKETS"]

MAX_OPS = 20_000          # operations drawn one by one; the rest are aggregated (module docstring)
TYPES = ("invoke", "ok", "fail", "info")


def render(history: Iterable[dict], *, faults: list[dict] | None = None, window: dict | None = None,
           title: str = "", explanation: str = "", max_ops: int = MAX_OPS) -> str:
    """The timeline of `history` as the text of one self-contained HTML page.

    history: event dicts in the shared format (see the module docstring).
    faults: [{"kind": str, "start": ns, "end": ns or None (to the end), "targets": [node, ...] or
        [[group], [group]], "label": str}] (faults_from_scenario makes them from a scenario).
    window: a violation window {"key": ..., "start": ns, "end": ns, "ops": [invoke-line indices]};
        start/end default to the extent of its operations.
    title, explanation: the page's title and the checker's explanation (shown above the chart).
    max_ops: operations drawn one by one (the rest are aggregated, with a notice).
    Raises ValueError (naming the line) on a malformed history, fault or window."""
    if isinstance(max_ops, bool) or not isinstance(max_ops, int) or max_ops < 1:
        raise ValueError(f"max_ops must be a positive integer, got {max_ops!r}")
    events = list(history)
    times, time_notice = _times(events)
    ops = _pair(events, times)
    spans = [_check_fault(f, i) for i, f in enumerate(faults or [])]
    win = _check_window(window, ops) if window is not None else None
    lo, hi = _domain(ops, spans, win, times, len(events))
    return Page(ops, spans, win, lo, hi, line_time=times is None,
                 title=title, explanation=explanation, max_ops=max_ops, notices=[time_notice]).html()


def write(path: str | os.PathLike, history: Iterable[dict], **kwargs: Any) -> str | os.PathLike:
    """Writes render(history, **kwargs) to `path` (UTF-8); returns `path`."""
    text = render(history, **kwargs)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def from_results(results: Any, path: str | os.PathLike | None = None, **kwargs: Any) -> str | os.PathLike:
    """The timeline of a run: results.history with the fault spans of results.scenario's schedule
    and of the triggered faults that fired (results.triggered).

    Writes it to `path` and returns the path, or returns the HTML text when path is None. Keyword
    arguments go to render (window, explanation, title; faults replaces the scenario's)."""
    history = getattr(results, "history", None)
    if history is None:
        raise ValueError("cannot draw a timeline: this Results has no .history (the operations of the run, "
                         "as event dicts in the shared history format)")
    scenario = results.scenario or {}
    kwargs.setdefault("faults", faults_from_run(results) if hasattr(results, "triggered")
                      else faults_from_scenario(scenario))
    if not kwargs.get("title"):
        origin = scenario.get("origin") or {}
        kwargs["title"] = f"{origin.get('name') or 'scenario'} (seed {scenario.get('seed')})"
    if path is None:
        return render(history, **kwargs)
    return write(path, history, **kwargs)


# ---- the history as operations

def _is_number(v):
    return not isinstance(v, bool) and isinstance(v, (int, float)) and v == v and abs(v) != float("inf")


def _times(events):
    """Event times (None: use the line index) and the notice to show when "time" is missing."""
    for i, e in enumerate(events):
        if not isinstance(e, dict):
            raise ValueError(f"history line {i}: expected an object, got {type(e).__name__}")
    timed = sum(1 for e in events if "time" in e)
    if timed == 0:
        return None, ('No "time" in the history: the horizontal axis is the line index '
                      "(the history's order is its real-time order).")
    if timed < len(events):
        return None, (f'"time" is missing on {len(events) - timed} of {len(events)} events: the horizontal axis '
                      "is the line index instead (the history's order is its real-time order).")
    for i, e in enumerate(events):
        if not _is_number(e["time"]):
            raise ValueError(f"history line {i}: time must be a number of nanoseconds, got {e['time']!r}")
    return [e["time"] for e in events], None


def _pair(events, times):
    """One dict per operation (invoke + the next completion of its process), by invoke index."""
    ops, pending = [], {}
    for i, e in enumerate(events):
        kind, p = e.get("type"), e.get("process")
        if kind not in TYPES:
            raise ValueError(f"history line {i}: type must be one of {', '.join(TYPES)}, got {kind!r}")
        if isinstance(p, bool) or not isinstance(p, int):
            raise ValueError(f"history line {i}: process must be an integer, got {p!r}")
        t = times[i] if times else i
        if kind == "invoke":
            if p in pending:
                raise ValueError(f"history line {i}: invoke by process {p} while its operation of line "
                                 f"{pending[p]['i']} has not completed")
            if "f" not in e:
                raise ValueError(f"history line {i}: an invoke needs \"f\" (the operation name)")
            op = {"i": i, "p": p, "f": str(e["f"]), "inv": e, "done": None, "status": "open", "a": t, "c": None}
            pending[p] = op
            ops.append(op)
            continue
        op = pending.pop(p, None)
        if op is None:
            raise ValueError(f"history line {i}: {kind} of process {p} without a pending invoke")
        if t < op["a"]:
            raise ValueError(f"history line {i}: completes at {t}, before its invoke (line {op['i']}) at {op['a']}")
        op.update(done=e, status=kind, c=t)
    return ops


def _check_fault(f, i):
    if not isinstance(f, dict) or not isinstance(f.get("kind"), str):
        raise ValueError(f"fault {i}: expected an object with a \"kind\" string, got {f!r}")
    start, end = f.get("start"), f.get("end")
    if not _is_number(start):
        raise ValueError(f"fault {i} ({f['kind']}): start must be a number, got {start!r}")
    if end is not None and (not _is_number(end) or end < start):
        raise ValueError(f"fault {i} ({f['kind']}): end must be None or a number >= start, got {end!r}")
    targets = f.get("targets") or []
    if not isinstance(targets, (list, tuple)):
        raise ValueError(f"fault {i} ({f['kind']}): targets must be a list, got {targets!r}")
    nodes = []
    for t in targets:
        for n in (t if isinstance(t, (list, tuple)) else [t]):
            if str(n) not in nodes:
                nodes.append(str(n))
    label = f.get("label") or f"{f['kind']} {' '.join(nodes)}".strip()
    return {"kind": f["kind"], "start": start, "end": end, "nodes": nodes, "label": str(label), "targets": targets}


def _check_window(w, ops):
    if not isinstance(w, dict):
        raise ValueError(f"window: expected an object, got {type(w).__name__}")
    by_index = {op["i"]: op for op in ops}
    ids = w.get("ops") or []
    if not isinstance(ids, (list, tuple)):
        raise ValueError(f"window: ops must be a list of invoke-line indices, got {ids!r}")
    for i in ids:
        if i not in by_index or isinstance(i, bool):
            raise ValueError(f"window: {i!r} is not the index of an invoke line in the history")
    start, end = w.get("start"), w.get("end")
    chosen = [by_index[i] for i in ids]
    if start is None:
        start = min((op["a"] for op in chosen), default=None)
    if end is None:
        end = max((op["c"] if op["c"] is not None else op["a"] for op in chosen), default=None)
    if not _is_number(start) or not _is_number(end) or end < start:
        raise ValueError(f"window: needs numbers start <= end (or operations to take them from), got {start!r}, {end!r}")
    return {"key": w.get("key"), "start": start, "end": end, "ops": set(ids)}


def _domain(ops, spans, win, times, n_events):
    """[lo, hi]: every event, fault and the window (hi > lo)."""
    points = list(times) if times else ([0, n_events - 1] if n_events else [])
    for s in spans:
        points += [s["start"]] + ([s["end"]] if s["end"] is not None else [])
    if win:
        points += [win["start"], win["end"]]
    if not points:
        return 0, 1
    lo, hi = min(points), max(points)
    return lo, hi if hi > lo else lo + 1
