"""Linearizability checking of histories (amino.history), from Python and `python3 -m amino check`.

    from amino import check
    r = check.linearizable("history.jsonl", model="register")
    r.verdict        # "linearizable" | "not linearizable" | "unknown"
    print(r.summary())
    r.window         # {"key", "failing_op", "start", "end", "ops"} when not linearizable

Built-in models (check.models()): register (read / write / cas [expected, new]), kv (get / put /
append on strings), counter (add / read), set (add / read), list-append (append / read), bank
(open [accounts, balance] / transfer [from, to, amount] / read of every balance); each per
key. The search (testbed/check/linearizability.h) runs in C++: Lowe's algorithm with memoisation,
keys smallest first, stopping at the first key that is not linearizable; a step limit per key and a
time limit make it answer "unknown" rather than run on.

Your own model: subclass Model (below) and pass an instance; it is called from the search at every
step, so keep it to small histories.

Transactions (Elle-style, testbed/check/transactions.h): operations with f "txn" whose value is a
list of micro-operations, list-append (["append", k, v], ["r", k, [v1, ...] | null]) or
rw-register (["w", k, v], ["r", k, v | null]):

    r = check.transactions("h.jsonl", model="list-append", consistency="serializable")
    r.valid, r.verdict        # True/False; "valid" | "invalid" | "unknown"
    r.anomaly_types           # ["G-single", "G1a", ...]: the forbidden ones found
    for a in r.anomalies: print(a.type, a.ops, a.explanation)

consistency_levels() lists the levels and what each forbids.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable, Optional, Union

from ._native import native as _native
from .history import to_jsonl

VERDICTS = ("linearizable", "not linearizable", "unknown")
EXIT_CODES = {"linearizable": 0, "not linearizable": 1, "unknown": 3}  # 2: usage error
TXN_MODELS = ("list-append", "rw-register")
TXN_VERDICTS = ("valid", "invalid", "unknown")
TXN_EXIT_CODES = {"valid": 0, "invalid": 1, "unknown": 3}  # 2: usage error


class Model:
    """A sequential model written in Python. States must be hashable (tuples, frozensets, str, int...).

    op (a dict) has: f, key (None for the implicit key), value (the invoke's input), output (the ok
    completion's value), type ("ok", or "info": the output is unknown and the op may or may not
    have taken effect, so step must accept any output), process, id.
    """

    def init(self) -> Any:
        """The initial state."""
        raise NotImplementedError

    def step(self, state: Any, op: dict) -> Optional[tuple[bool, Any]]:
        """(True, next_state) if `op` may take effect in `state` with its output; (False, None) or None if not."""
        raise NotImplementedError

    def read_only(self, op: dict) -> bool:
        """True if `op` changes nothing: an info one observed nothing known and is dropped. Default False."""
        return False

    def validate(self, op: dict) -> None:
        """Raise ValueError for an op the model does not know (called once per op, before the search)."""

    def describe(self, state: Any) -> str:
        """A state as an explanation shows it."""
        return repr(state)


class CheckResult:
    """The verdict, and for a violation the window that shows it and an explanation."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.verdict: str = raw["verdict"]
        self.model: str = raw["model"]
        self.operations: int = raw["operations"]
        self.keys: list[dict] = raw["keys"]
        self.window: Optional[dict] = raw.get("window")
        self.explanation: str = raw.get("explanation", "")
        self.elapsed_s: float = raw.get("elapsed_s", 0.0)

    @property
    def ok(self) -> bool:
        """True only for "linearizable"."""
        return self.verdict == "linearizable"

    @property
    def exit_code(self) -> int:
        """0 linearizable, 1 not linearizable, 3 unknown (the CLI's exit codes)."""
        return EXIT_CODES[self.verdict]

    def summary(self) -> str:
        """The verdict line, then the explanation (for a violation: the failing operation, the
        longest linearization before it, the window's operations)."""
        searched = len(self.keys)
        total = self.raw.get("keys_total", searched)
        line = (f"{self.verdict} (model {self.model}, {self.operations} operations, {searched} of {total} keys "
                f"searched, {self.elapsed_s:.3f} s)")
        if self.window is not None:
            key = self.window["key"] or "(implicit)"
            line += f"\nkey {key}:"
        return line + ("\n" + self.explanation if self.explanation else "")

    def to_dict(self) -> dict:
        """Everything as plain data (what --json prints)."""
        return dict(self.raw)

    def __repr__(self) -> str:
        return f"CheckResult(verdict={self.verdict!r}, operations={self.operations}, window={self.window!r})"


History = Union[str, "os.PathLike[str]", Iterable[dict]]


def models() -> list[str]:
    """The built-in models' names."""
    return list(_native.check_models())


def linearizable(history: History, model: Union[str, Model] = "register", *, max_steps: int = 0,
                 time_limit: float = 0.0, earliest: bool = True) -> CheckResult:
    """Checks `history` (a JSON Lines path, a list of event dicts, or a Results with .history).

    model: a built-in model's name (models()) or a Model instance. max_steps: search steps per key
    before giving up with "unknown" (0: the default, 10^8); time_limit: wall seconds (0: none).
    earliest: for a violation, find the earliest failing prefix for the window (a few more searches);
    False: a window around where the whole search got stuck deepest (cheaper, not always earliest).
    Raises ValueError for a malformed history (naming the line) or an unknown model/operation.
    """
    if not isinstance(model, (str, Model)):
        raise TypeError(f"model must be a model name {models()} or an amino.check.Model, got {type(model).__name__}")
    if max_steps < 0 or time_limit < 0:
        raise ValueError("max_steps and time_limit must not be negative")
    if hasattr(history, "history") and not isinstance(history, (str, os.PathLike)):
        history = history.history  # a Results
    if isinstance(history, (str, os.PathLike)):
        raw = _native.check_history(os.fspath(history), True, model, max_steps, float(time_limit), earliest)
    else:
        raw = _native.check_history(to_jsonl(history), False, model, max_steps, float(time_limit), earliest)
    return CheckResult(json.loads(raw))


class TxnAnomaly:
    """One anomaly found in a history of transactions.

    type: "G0", "G1a", "G1b", "G1c", "G-single", "G-nonadjacent", "G2-item" (each also with the
    suffix "-process" or "-realtime" at the levels that order transactions), "lost-update",
    "garbage-read", "duplicate-elements", "incompatible-order" or "internal". ops: the operations'
    ids (their invoke's line index), in cycle order for a cycle. explanation: for a cycle, each edge
    named (ww, wr, rw, process, realtime) and why it exists. forbidden: by the level checked."""

    def __init__(self, raw: dict):
        self.type: str = raw["type"]
        self.ops: list[int] = list(raw["ops"])
        self.explanation: str = raw["explanation"]
        self.forbidden: bool = bool(raw["forbidden"])

    def to_dict(self) -> dict:
        """The anomaly as plain data."""
        return {"type": self.type, "ops": list(self.ops), "explanation": self.explanation, "forbidden": self.forbidden}

    def __repr__(self) -> str:
        return f"TxnAnomaly(type={self.type!r}, ops={self.ops!r})"


class TxnCheckResult:
    """The transactional checker's answer: valid or not at the level checked, and the anomalies."""

    def __init__(self, raw: dict):
        self.raw = raw
        self.valid: bool = bool(raw["valid"])
        self.verdict: str = raw["verdict"]
        self.complete: bool = bool(raw["complete"])
        self.model: str = raw["model"]
        self.consistency: str = raw["consistency"]
        self.transactions: int = raw["transactions"]
        self.committed: int = raw["ok"]
        self.failed: int = raw["failed"]
        self.unknown: int = raw["unknown"]
        self.anomalies: list[TxnAnomaly] = [TxnAnomaly(a) for a in raw["anomalies"]]
        self.allowed_anomalies: list[TxnAnomaly] = [TxnAnomaly(a) for a in raw["allowed_anomalies"]]
        self.anomaly_types: list[str] = list(raw["anomaly_types"])
        self.counts: dict[str, int] = dict(raw["counts"])
        self.not_checked: list[str] = list(raw["not_checked"])
        self.elapsed_s: float = raw.get("elapsed_s", 0.0)

    @property
    def ok(self) -> bool:
        """True only for "valid" (no forbidden anomaly, and the search completed)."""
        return self.valid

    @property
    def exit_code(self) -> int:
        """0 valid, 1 invalid, 3 unknown (the CLI's exit codes)."""
        return TXN_EXIT_CODES[self.verdict]

    def summary(self) -> str:
        """The verdict line, then each forbidden anomaly's explanation, the allowed ones found, and
        what could not be checked."""
        line = (f"{self.verdict} ({self.consistency}, {self.model}, {self.transactions} transactions: "
                f"{self.committed} ok, {self.failed} failed, {self.unknown} unknown; {self.elapsed_s:.3f} s)")
        parts = [line]
        for title, found in ((f"forbidden at {self.consistency}", self.anomalies),
                             (f"allowed at {self.consistency}", self.allowed_anomalies)):
            if found:
                types = sorted({a.type for a in found})
                parts.append(f"{title}: " + ", ".join(f"{t} ({self.counts.get(t, 0)})" for t in types))
                parts += [f"[{a.type}] {a.explanation}" for a in found]
        parts += [f"not checked: {n}" for n in self.not_checked]
        return "\n".join(parts)

    def to_dict(self) -> dict:
        """Everything as plain data (what --json prints)."""
        return dict(self.raw)

    def __repr__(self) -> str:
        return f"TxnCheckResult(verdict={self.verdict!r}, consistency={self.consistency!r}, anomaly_types={self.anomaly_types!r})"


def consistency_levels() -> list[dict]:
    """The transactional checker's levels, weakest first: each {name, forbidden (anomaly types),
    order ("", "process" or "realtime": the order edges it adds), description}."""
    return list(json.loads(_native.txn_consistency_levels()))


def transactions(history: History, model: str = "list-append", consistency: str = "serializable", *,
                 time_limit: float = 0.0) -> TxnCheckResult:
    """Checks a history of transactions (a JSON Lines path, a list of event dicts, or a Results with
    .history) for the isolation anomalies `consistency` forbids.

    model: "list-append" or "rw-register" (TXN_MODELS). consistency: a name of consistency_levels()
    (read-uncommitted, read-committed, snapshot-isolation, strong-session-snapshot-isolation,
    strong-snapshot-isolation, repeatable-read, serializable, strong-session-serializable,
    strict-serializable). time_limit: wall seconds for the cycle search
    (0: none); past it the verdict is "unknown" unless a forbidden anomaly was already found.
    Raises ValueError for a malformed history or transaction (naming the line or the operation) and
    for an unknown model or level.
    """
    if model not in TXN_MODELS:
        raise ValueError(f"unknown transaction model {model!r} (known: {', '.join(TXN_MODELS)})")
    if not isinstance(consistency, str):
        raise TypeError(f"consistency must be a level's name, got {type(consistency).__name__}")
    if time_limit < 0:
        raise ValueError("time_limit must not be negative")
    if hasattr(history, "history") and not isinstance(history, (str, os.PathLike)):
        history = history.history  # a Results
    if isinstance(history, (str, os.PathLike)):
        raw = _native.check_transactions(os.fspath(history), True, model, consistency, float(time_limit))
    else:
        raw = _native.check_transactions(to_jsonl(history), False, model, consistency, float(time_limit))
    return TxnCheckResult(json.loads(raw))
