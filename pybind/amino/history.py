"""Histories of client operations in Jepsen's vocabulary, as lists of dicts and JSON Lines files.

One event per line: {"process": 3, "type": "invoke", "f": "write", "key": "x", "value": 5, "time": 1200000}
  process  integer: the client (one operation outstanding per process)
  type     invoke | ok | fail | info  (fail: certainly no effect; info, or an invoke never completed:
           may have taken effect at any time after its invoke)
  f        the operation; key optional (one implicit key when absent); value: the invoke's input or
           the ok completion's output; time optional (integer ns; line order is real-time order
           when absent, and then no line may have one); other fields are kept (object, error, ...).
An operation is an invoke plus the next completion of its process; its id is its invoke's index.

Reading goes through the C++ reader (testbed/check/history_jsonl.h): the same checks and limits as
the checker, and errors that name the line.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable, Union

from ._native import native as _native

Event = dict
PathLike = Union[str, "os.PathLike[str]"]


def load(path: PathLike) -> list[Event]:
    """The events of the JSON Lines file at `path`, checked (ValueError naming the line)."""
    return json.loads(_native.read_history(os.fspath(path), True))


def parse(text: str) -> list[Event]:
    """The events of JSON Lines `text`, checked like load()."""
    return json.loads(_native.read_history(text, False))


def to_jsonl(events: Iterable[Event]) -> str:
    """JSON Lines text of `events` (one compact object per line)."""
    return "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in events)


def save(events: Iterable[Event], path: PathLike) -> str:
    """Writes `events` as JSON Lines to `path`; returns the path."""
    with open(path, "w") as f:
        f.write(to_jsonl(events))
    return os.fspath(path)


def operations(events: list[Event]) -> list[dict]:
    """Invokes paired with their completions: [{id, process, f, key, value, output, type, start, end}],
    type ok / fail / info (info also for an invoke never completed, whose end is None). Times are
    the events' "time", or their line index when the history has none."""
    ops: list[dict] = []
    open_: dict[Any, dict] = {}
    for i, e in enumerate(events):
        t = e.get("time", i)
        if e["type"] == "invoke":
            op = dict(id=i, process=e["process"], f=e["f"], key=e.get("key"), value=e.get("value"),
                      output=None, type="info", start=t, end=None)
            open_[e["process"]] = op
            ops.append(op)
        else:
            if e["process"] not in open_:
                raise ValueError(f"event {i}: {e['type']} of process {e['process']} completes no operation")
            op = open_.pop(e["process"])
            op["type"] = e["type"]
            if e["type"] == "ok":
                op["output"] = e.get("value")
            if e["type"] != "info":
                op["end"] = t
            elif "error" in e:
                op["error"] = e["error"]
    return ops
