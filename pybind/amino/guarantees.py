"""Checks of what DMs promise when it is not plain linearizability, over histories in Jepsen's
vocabulary (amino.history), each named, documented and judged by `amino hunt` like linearizability.

    from amino import guarantees
    r = guarantees.check("bounded-staleness", history, model="register", bound_ms=200)
    r.verdict          # "valid" | "invalid" | "unknown"
    print(r.summary())

A workload declares one with amino.workload's `check=` (Scenario.checks: {"check", "options"});
`python3 -m amino hunt SCENARIO --check NAME` keeps only the checks of that name (or model).

  check               guarantee (DM)                                   how
  linearizable        ConsensusRSM (every variant)                      amino.check.linearizable
  bounded-staleness   reads stale by at most bound_ms, writes           amino.check.linearizable after moving
                      linearizable (WriteThroughCaching: refreshMs;     each read's invoke bound_ms earlier
                      ConsensusRSM localReads: bound_ms None =          (Golab et al.'s Delta-atomicity); None:
                      a read sees some prefix of the writes)            to time 0
  read-your-writes    a client's read is not older than its own last    per process, on unique written values
                      acknowledged write (WriteThroughCaching)          (sound; register model)
  lease               linearizable, except that the object may fall     amino.check.linearizable with LeaseModel
                      back to the last written-back state when the      (a register whose holder copy and saved
                      lease changes hands (LeaseCaching)                state are tracked as sets)
  at-least-once       every acknowledged append took effect at least    direct, over KvStore append/get (list-
                      once, in one order, maybe more than once          append: reads show every execution)
                      (AtLeastOnceRPC)
  immutable           reads return the constructed state, mutations     direct
                      are rejected with ABORTED, a client that read
                      once keeps reading (Immutable)
  transactions        no isolation anomaly the level `consistency`      amino.check.transactions (Elle-style
                      forbids (serializable, snapshot-isolation, ...)   dependency cycles; model list-append
                      over "txn" operations                             or rw-register)

Every check raises ValueError for a history it cannot judge (an operation its model does not know).
"""
from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from . import check as _check
from .history import operations

if TYPE_CHECKING:
    from .results import Results

# A history: events, the path of a JSON Lines file (amino.check's History), or a Results (its .history).
History = Union[_check.History, "Results"]

VALID, INVALID, UNKNOWN = "valid", "invalid", "unknown"
# The read-only operation of each model the staleness checks shift.
READS = {"register": ("read",), "kv": ("get",), "counter": ("read",)}


class GuaranteeResult(_check.CheckResult):
    """A check's verdict ("valid", "invalid", "unknown"), the window that shows a violation (ids are
    the history's invoke indices, as amino.check's) and an explanation."""

    def __init__(self, name: str, raw: dict):
        super().__init__(raw)
        self.name = name

    @property
    def ok(self) -> bool:
        """True when the guarantee held ("valid")."""
        return self.verdict == VALID

    @property
    def exit_code(self) -> int:
        """0 valid, 1 invalid, 3 unknown (the command line's exit status)."""
        return {VALID: 0, INVALID: 1, UNKNOWN: 3}[self.verdict]

    def summary(self) -> str:
        """One line: the check, its verdict and, for a violation, the explanation."""
        line = f"{self.verdict} ({self.name}, model {self.model}, {self.operations} operations, {self.elapsed_s:.3f} s)"
        return line + ("\n" + self.explanation if self.explanation else "")


def _result(name, model, ops, violation: Optional[tuple[str, dict]], started, note="") -> GuaranteeResult:
    raw = {"verdict": INVALID if violation else VALID, "model": model, "operations": len(ops), "keys": [],
           "elapsed_s": time.monotonic() - started}
    if violation:
        raw["explanation"], raw["window"] = violation
    elif note:
        raw["explanation"] = note
    return GuaranteeResult(name, raw)


def _window(key, failing, ops) -> dict:
    """A window over operations (dicts of history.operations) for timelines: the failing one first."""
    ops = [failing] + [o for o in ops if o is not failing]
    ends = [o["end"] for o in ops if o["end"] is not None]
    return {"key": key, "failing_op": failing["id"], "start": min(o["start"] for o in ops),
            "end": max(ends) if ends else max(o["start"] for o in ops), "ops": [o["id"] for o in ops]}


def _from_linearizability(name, r: "_check.CheckResult", note: str) -> GuaranteeResult:
    raw = dict(r.raw)
    raw["verdict"] = {"linearizable": VALID, "not linearizable": INVALID}.get(r.verdict, UNKNOWN)
    raw["explanation"] = note + ("\n" + r.explanation if r.explanation else "")
    if r.window is not None:
        raw["explanation"] += f"\nkey {r.window['key'] or '(implicit)'}"
    return GuaranteeResult(name, raw)


# ---- bounded-staleness (Delta-atomicity)

def bounded_staleness(history: History, model: str = "register", *, bound_ms: Optional[float] = None, **kw: Any) -> GuaranteeResult:
    """Writes are linearizable and a read returns the state at some moment between bound_ms before it
    was invoked and its completion: amino.check.linearizable of the history with each read's invoke
    moved bound_ms earlier (Golab, Li and Shah's Delta-atomicity, 2011). bound_ms None: no bound, a
    read returns the state after some prefix of the writes' linearization, and never a state that
    did not exist (what ConsensusRSM's localReads promise: a replica's applied state). kw: as
    amino.check.linearizable (max_steps, time_limit)."""
    if model not in READS:
        raise ValueError(f"bounded-staleness knows the models {', '.join(READS)}, not {model!r}")
    if bound_ms is not None and not bound_ms >= 0:
        raise ValueError(f"bound_ms must be >= 0 or None, got {bound_ms}")
    events = [dict(e) for e in _events(history)]
    timed = any("time" in e for e in events)
    if not timed:
        raise ValueError("bounded-staleness needs event times (\"time\" in ns)")
    shift = None if bound_ms is None else int(round(bound_ms * 1e6))
    for e in events:
        if e["type"] == "invoke" and e["f"] in READS[model]:
            e["time"] = 0 if shift is None else max(0, e["time"] - shift)
    r = _check.linearizable(events, model=model, **kw)
    bound = "any earlier moment" if shift is None else f"at most {bound_ms:g} ms before its invoke"
    return _from_linearizability("bounded-staleness", r, f"reads may take effect {bound}; writes linearizable")


# ---- read-your-writes

def read_your_writes(history: History, model: str = "register", **_kw: Any) -> GuaranteeResult:
    """Terry et al.'s session guarantee, per process: a read returns neither the initial (absent)
    value nor a value whose write completed before the process's own last acknowledged write (a
    write, or a cas that swapped) was invoked. Written values must be unique (amino.workload's are),
    so a value names its write. Sound (every violation reported is one), not complete: a read of a
    value written concurrently with the process's own write passes."""
    if model != "register":
        raise ValueError(f"read-your-writes checks the register model, not {model!r}")
    started = time.monotonic()
    ops = operations(_events(history))
    writer = {}  # (key, value) -> the ok operation that wrote it
    for o in ops:
        if o["type"] == "ok" and o["f"] in ("write", "cas"):
            writer[(o["key"], o["value"][1] if o["f"] == "cas" else o["value"])] = o
    last_own: dict[tuple, dict] = {}  # (process, key) -> the process's last acknowledged write of the key
    for o in ops:
        if o["f"] not in ("read", "write", "cas"):
            raise ValueError(f"read-your-writes: operation {o['f']!r} is not one of the register model's")
        own = last_own.get((o["process"], o["key"]))
        if o["f"] == "read" and o["type"] == "ok" and own is not None:
            got = o["output"]
            older = writer.get((o["key"], got))
            mine = own["value"][1] if own["f"] == "cas" else own["value"]
            if got is None or (got != mine and older is not None and older["end"] < own["start"]):
                what = "the initial value" if got is None or older is None else f"{got!r}, written by op {older['id']} before it began"
                return _result("read-your-writes", model, ops, (
                    f"process {o['process']} read {what} after its own {own['f']} of {mine!r} (op {own['id']}) "
                    f"was acknowledged (op {o['id']})",
                    _window(o["key"], o, [own] + ([older] if older else []))), started)
        if o["type"] == "ok" and o["f"] in ("write", "cas"):
            last_own[(o["process"], o["key"])] = o
    return _result("read-your-writes", model, ops, None, started)


# ---- lease: linearizable up to writes lost when the lease changes hands

class LeaseModel(_check.Model):
    """LeaseCaching's object as a sequential model over the register's operations (read, write, cas).

    One holder at a time runs operations on its copy; it may write the copy back after any of them
    (the server's state becomes the copy). An operation of another holder begins a new tenure from
    the server's state, which loses what the previous holder did not write back; so may one of the
    same holder (its lease lapsed and it acquired a new one). A state is the set of (holder, copy,
    saved) triples the object can be in, so the model stays deterministic (a subset construction):
    an operation is possible when it is possible from one of them.

    holders: {process: holder} when several processes share one holder (clients on one node share
    its copy); by default every process is a holder of its own."""

    def __init__(self, holders: Optional[dict] = None):
        self.holders = {int(p): h for p, h in (holders or {}).items()}

    def init(self) -> frozenset:
        """No holder yet; the object holds its initial value (None)."""
        return frozenset({(None, None, None)})

    def validate(self, op: dict) -> None:
        """ValueError for an operation the register model does not know."""
        if op["f"] not in ("read", "write", "cas"):
            raise ValueError(f"lease model: unknown operation {op['f']!r} (read, write, cas)")

    def read_only(self, op: dict) -> bool:
        """Reads change neither copy nor server state."""
        return op["f"] == "read"

    def step(self, state: frozenset, op: dict) -> Optional[tuple[bool, frozenset]]:
        """The states after `op` from any of `state`'s (holder, copy, saved) triples; None when impossible."""
        me = self.holders.get(op["process"], op["process"])
        out = set()
        for holder, copy, saved in state:
            starts = {copy, saved} if holder == me else {saved}  # saved: a new tenure begins here
            for start in starts:
                for after in _register_step(start, op):
                    out.add((me, after, saved))
                    out.add((me, after, after))  # and the holder wrote its copy back after it
        return (True, frozenset(out)) if out else None

    def describe(self, state: frozenset) -> str:
        """The possible (holder, copy, saved) triples, for an explanation."""
        return " or ".join(f"holder {h}: copy {c!r}, saved {s!r}" for h, c, s in sorted(state, key=repr))


def _register_step(value, op):
    """The values a register holding `value` may hold after `op` (none: impossible)."""
    f, known = op["f"], op["type"] == "ok"
    if f == "read":
        return [value] if not known or op.get("output") == value else []
    if f == "write":
        return [op["value"]]
    expected, new = op["value"]
    if value == expected:
        return [new]
    return [] if known else [value]  # an info cas may have found another value and done nothing


def _completed(events: list) -> list:
    """The history with every operation that did not return ok marked "fail" (did not run). A
    LeaseCaching call runs on the holder's copy only once the lease is secured and returns as soon
    as it ran, on the same node (LeaseClient::on_rpc): one that ended with an error, or never ended,
    was still waiting and did not run. This keeps the search small (an "info" operation would be
    concurrent with everything after it). Event indices, the operations' ids, do not change:
    completions missing at the end are appended."""
    out, open_ = [], {}
    for e in events:
        if e["type"] == "invoke":
            open_[e["process"]] = e
        else:
            open_.pop(e["process"], None)
            if e["type"] == "info":
                e = dict(e, type="fail")
        out.append(e)
    last = max((e.get("time", 0) for e in events), default=0)
    for p, inv in sorted(open_.items()):
        done = dict(inv, type="fail")
        if "time" in inv:
            done["time"] = last
        out.append(done)
    return out


def lease(history: History, model: str = "register", *, holders: Optional[dict] = None, **kw: Any) -> GuaranteeResult:
    """amino.check.linearizable with LeaseModel(holders): what LeaseCaching promises under the
    faults it tolerates (a holder that crashes or is cut off loses the writes it did not write back;
    it never runs calls past its lease, so two copies never change the object at once). Without
    faults the DM is linearizable: check that with `linearizable`. holders: {process: node}
    (Workload.check passes the run's, so it survives shrinking's renumbering)."""
    if model != "register":
        raise ValueError(f"the lease check works on the register model, not {model!r}")
    r = _check.linearizable(_completed(_events(history)), model=LeaseModel(holders), **kw)
    return _from_linearizability("lease", r, "the object may restart from its last written-back state "
                                             "where the lease changes hands")


# ---- at-least-once over list-append

TOKEN = re.compile(r"c[0-9]+\.[0-9]+")  # amino.workload's unique values: c<client>.<call>
SUMMARIZED = re.compile(r"<\w+ of [0-9]+ chars, digest [0-9a-f]+>")  # a value past Scenario.max_value_chars


def at_least_once(history: History, model: str = "kv", **_kw: Any) -> GuaranteeResult:
    """What AtLeastOnceRPC promises over one server replica, on KvStore appends of unique values
    (gets show every execution of every append, in the server's order):
      - every append that returned ok is in every get invoked after it returned (it took effect at
        least once); an append that failed ("fail": never sent) is in none;
      - a get shows only appends invoked before the get returned;
      - gets of a key agree on one order: any two are prefixes of one another, and a get that began
        after another returned extends it;
      - an ok append that returned before another was invoked comes first (first executions are
        linearizable);
    an append may appear more than once (a retry that ran again), which is counted, not a violation."""
    if model != "kv":
        raise ValueError(f"at-least-once works on the kv model (append/get), not {model!r}")
    started = time.monotonic()
    ops = operations(_events(history))
    appends, gets = {}, []
    for o in ops:
        if o["f"] == "append":
            appends[(o["key"], o["value"])] = o
        elif o["f"] == "get":
            if o["type"] == "ok":
                gets.append(o)
        else:
            raise ValueError(f"at-least-once: operation {o['f']!r} is not append or get (no puts: they hide executions)")
    seen: dict[int, list] = {}

    def bad(text, o, others):
        return _result("at-least-once", model, ops, (text, _window(o["key"], o, others)), started)

    for g in gets:
        text = g["output"] or ""
        tokens = TOKEN.findall(text)
        if SUMMARIZED.fullmatch(text):
            return GuaranteeResult("at-least-once", {
                "verdict": UNKNOWN, "model": model, "operations": len(ops), "keys": [],
                "elapsed_s": time.monotonic() - started,
                "explanation": f"get (op {g['id']}) was recorded as {text}: raise the scenario's max_value_chars"})
        if "".join(tokens) != text:
            return bad(f"get (op {g['id']}) returned {text!r}, which is not a sequence of appended values", g, [])
        seen[g["id"]] = tokens
        for t in tokens:
            a = appends.get((g["key"], t))
            if a is None or a["type"] == "fail":
                return bad(f"get (op {g['id']}) shows {t!r}, which no append that could have run added", g,
                           [a] if a else [])
            if a["start"] > g["end"]:
                return bad(f"get (op {g['id']}) shows {t!r}, appended by op {a['id']} invoked after the get returned",
                           g, [a])
        for (key, value), a in appends.items():
            if key == g["key"] and a["type"] == "ok" and a["end"] < g["start"] and value not in tokens:
                return bad(f"append of {value!r} (op {a['id']}) returned ok before get (op {g['id']}) began, "
                           f"but the get does not show it: an acknowledged call lost", g, [a])
        first = {t: i for i, t in reversed(list(enumerate(tokens)))}
        for (key, x), a in appends.items():
            if key != g["key"] or a["type"] != "ok" or x not in first:
                continue
            for (key2, y), b in appends.items():
                if key2 == key and b["type"] == "ok" and a["end"] < b["start"] and y in first and first[y] < first[x]:
                    return bad(f"get (op {g['id']}) shows {y!r} (op {b['id']}) before {x!r} (op {a['id']}), "
                               f"though {x!r}'s append returned before {y!r}'s began", g, [a, b])
    by_key: dict[Any, list[dict]] = {}
    for g in gets:
        by_key.setdefault(g["key"], []).append(g)
    for key, gs in by_key.items():
        for i, g in enumerate(gs):
            for h in gs[i + 1:]:
                seen_g, seen_h = seen[g["id"]], seen[h["id"]]
                short, long_ = (seen_g, seen_h) if len(seen_g) <= len(seen_h) else (seen_h, seen_g)
                if long_[:len(short)] != short:
                    return bad(f"gets (ops {g['id']}, {h['id']}) of key {key!r} disagree on the order: "
                               f"neither is a prefix of the other", g, [h])
                for x, y in ((g, h), (h, g)):
                    if x["end"] < y["start"] and len(seen[y["id"]]) < len(seen[x["id"]]):
                        return bad(f"get (op {y['id']}) began after get (op {x['id']}) returned but shows less "
                                   f"of key {key!r}", y, [x])
    # Every get is a prefix of its key's longest one, which therefore shows every duplicate seen.
    duplicates = sum(len(t) - len(set(t)) for t in (max((seen[g["id"]] for g in gs), key=len) for gs in by_key.values()))
    note = f"{duplicates} duplicate execution(s) seen (allowed: at least once)" if duplicates else ""
    return _result("at-least-once", model, ops, None, started, note)


# ---- immutable

def immutable(history: History, model: str = "register", *, initial: Optional[dict] = None, **_kw: Any) -> GuaranteeResult:
    """What Immutable promises, over the register model's read and write: every read that returned
    gives the constructed value (initial[key], None when absent); no write returns ok or takes
    effect, and one that reached the DM is rejected with ABORTED (its error), never sent on (a
    timeout or any other error would mean it was); and a process that read once keeps reading: no
    read of it fails after its first ok read, whatever happens to the servers."""
    if model != "register":
        raise ValueError(f"immutable works on the register model, not {model!r}")
    initial = dict(initial or {})
    started = time.monotonic()
    ops = operations(_events(history))
    has_read = set()

    def bad(text, o):
        return _result("immutable", model, ops, (text, _window(o["key"], o, [])), started)

    for o in ops:
        if o["f"] == "read":
            if o["type"] == "ok":
                if o["output"] != initial.get(o["key"]):
                    return bad(f"read of {o['key']!r} (op {o['id']}) returned {o['output']!r}, not the constructed "
                               f"{initial.get(o['key'])!r}", o)
                has_read.add(o["process"])
            elif o["process"] in has_read and (o["type"] == "fail" or o.get("error") is not None):
                return bad(f"read of {o['key']!r} (op {o['id']}) by process {o['process']} ended {o['type']}"
                           f"{': ' + o['error'] if o.get('error') else ''} after the process had read its copy", o)
        elif o["f"] == "write":
            if o["type"] == "ok":
                return bad(f"write of {o['key']!r} (op {o['id']}) returned ok: a mutation was accepted", o)
            if o["type"] == "info" and not str(o.get("error", "")).startswith("ABORTED"):
                return bad(f"write of {o['key']!r} (op {o['id']}) ended with {o.get('error', 'no completion')!r}, "
                           "not ABORTED: it was sent on instead of rejected", o)
        else:
            raise ValueError(f"immutable: operation {o['f']!r} is not read or write")
    return _result("immutable", model, ops, None, started)


# ---- transactions (isolation levels)

def transactions(history: History, model: str = "list-append", *, consistency: str = "serializable",
                 time_limit: float = 0.0, **_kw: Any) -> GuaranteeResult:
    """No anomaly that `consistency` forbids (amino.check.consistency_levels()) among the history's
    transactions (f "txn"; model "list-append" or "rw-register"), by amino.check.transactions. The
    window is the first forbidden anomaly's operations; the explanation lists every anomaly found."""
    events = _events(history)
    r = _check.transactions(events, model=model, consistency=consistency, time_limit=time_limit)
    raw: dict = {"verdict": r.verdict, "model": model, "operations": r.transactions, "keys": [],
                 "elapsed_s": r.elapsed_s, "explanation": r.summary().split("\n", 1)[1] if "\n" in r.summary() else ""}
    if r.anomalies:
        raw["window"] = anomaly_window(events, r.anomalies[0].ops)
    return GuaranteeResult("transactions", raw)


def anomaly_window(events: list, ids: list[int]) -> Optional[dict]:
    """A timeline window over the operations `ids` (invoke indices of `events`, e.g. a transactional
    anomaly's ops), the first as the failing one; None when none of them is in `events`."""
    by_id = {o["id"]: o for o in operations(events)}
    involved = [by_id[i] for i in ids if i in by_id]
    return _window("", involved[0], involved) if involved else None


def _events(history) -> list:
    if hasattr(history, "history") and not isinstance(history, (str, list)):
        history = history.history
    if isinstance(history, str):
        from .history import load
        return load(history)
    return list(history)


# name -> check(history, model, **options): the one table hunt, workload and the CLI read.
CHECKS: dict[str, Callable[..., GuaranteeResult]] = {
    "bounded-staleness": bounded_staleness,
    "read-your-writes": read_your_writes,
    "lease": lease,
    "at-least-once": at_least_once,
    "immutable": immutable,
    "transactions": transactions,
}


# Checks that take the run's {process: node} as `holders` (Workload.check passes it): clients on one
# node share its client DM, and so its copy.
BY_NODE = ("lease",)


def names() -> list[str]:
    """Every check a workload may declare: "linearizable" and the CHECKS."""
    return ["linearizable", *CHECKS]


def check(name: str, history: History, model: str, **options: Any) -> _check.CheckResult:
    """Runs check `name` ("linearizable" or one of CHECKS) on `history` against `model`."""
    if name == "linearizable":
        return _check.linearizable(_events(history), model=model, **options)
    if name not in CHECKS:
        raise ValueError(f"unknown check {name!r} (known: {', '.join(names())})")
    return CHECKS[name](history, model, **options)


# The verdicts that mean a violation: amino.check's and these checks'.
VIOLATIONS = ("not linearizable", INVALID)


def violated(result: _check.CheckResult) -> bool:
    """True when a check's result reports a violation ("not linearizable" or "invalid")."""
    return result.verdict in VIOLATIONS
