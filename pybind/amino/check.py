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
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable, Optional, Union

from ._native import native as _native
from .history import to_jsonl

VERDICTS = ("linearizable", "not linearizable", "unknown")
EXIT_CODES = {"linearizable": 0, "not linearizable": 1, "unknown": 3}  # 2: usage error


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
