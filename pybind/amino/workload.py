"""Seeded client workloads whose calls map onto a checker model, and the mapping back.

    w = amino.workload.register(scenario, "reg", nodes=["client"], clients=4, seed=7)
    res = amino.run(scenario)
    print(w.check(res).summary())      # linearizability of what the clients saw

Each generator adds `clients` closed-loop clients (one call outstanding each; `think` seconds
between calls; `timeout` per call) to the scenario, spread over `nodes`, each with its own seeded
op mix on `keys` keys (shared by all clients, or `keys_per_client` private ones each). Targets
are the harness objects (scenarios/harness/objects.h) or any class with the same methods:

  model     class      methods (key first)                        ops drawn
  register  Register   read(k), write(k, v), cas(k, expected, v)  read / write / cas fractions
  kv        KvStore    get(k), put(k, v), append(k, v)            get / put / append
  counter   Counter    add(k, delta), read(k)                     add / read
  bank      Bank       open(n, balance), transfer(from, to, amt), read / transfer
                       balances()

Transactions (`transactions`): each client runs `txns` transactions in Jepsen's vocabulary on a
TxnStore (scenarios/transactions/txn_store.h) under a transaction DM: startTransaction, 1-4
micro-operations, commitTransaction (or rollbackTransaction); the history has one "txn" operation
per transaction, for amino.check.transactions:

  model        class     micro-ops (call -> in the history)
  list-append  TxnStore  append(k, v) -> ["append", k, v]; read(k) -> ["r", k, [...]]
  rw-register  TxnStore  write(k, v) -> ["w", k, v]; get(k) -> ["r", k, v]

Written values are unique per client and call ("c2.17"), so a stale or lost write shows. cas
expects a value some client writes to that key, so some swaps succeed and some fail.
Workload.history(results) turns the run's recorded calls to the target (Results.history) into the
model's history: f and key from the method and its first argument, cas's [expected, new], a cas
that returned false as "fail", counter adds with their delta, bank transfers as [from, to, amount]
(a refused one, false, as "fail") and balances() as read.
"""
from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence, Union

from . import check as _check
from .scenario import call

if TYPE_CHECKING:
    from .results import Results
    from .scenario import Scenario

# model -> {method: (fraction keyword, default fraction)}: the op mix of each generator.
MIXES = {
    "register": {"read": 0.5, "write": 0.35, "cas": 0.15},
    "kv": {"get": 0.5, "put": 0.2, "append": 0.3},
    "counter": {"read": 0.4, "add": 0.6},
    "bank": {"read": 0.3, "transfer": 0.7},
}
# A value longer than Scenario.max_value_chars, as the runner records it.
SUMMARIZED_VALUE = re.compile(r"<\w+ of [0-9]+ chars, digest [0-9a-f]+>")
# Methods whose name in the history differs from the object's.
_F = {"balances": "read"}
# The transaction models of `transactions` (amino.check.TXN_MODELS): {kind: (write method, read
# method, the micro-op's name for the write in the history)}.
TXN_MICRO_OPS = {"list-append": ("append", "read", "append"), "rw-register": ("write", "get", "w")}
# The transaction-control methods the transaction DMs intercept (their default startMethod,
# commitMethod and rollbackMethod).
TXN_CONTROL = ("startTransaction", "commitTransaction", "rollbackTransaction")


class Workload:
    """The clients a generator added, how their recorded calls map onto `model`, and the check their
    history must pass: "linearizable" (default) or a DM guarantee of amino.guarantees with its options."""

    def __init__(self, model: str, target: str, clients: list[str], check: str = "linearizable",
                 options: Optional[dict] = None):
        self.model = model
        self.target = target
        self.clients = list(clients)
        self.checker = check
        self.options = dict(options or {})

    def __repr__(self) -> str:
        extra = "" if self.checker == "linearizable" else f", check={self.checker!r}, options={self.options!r}"
        return f"Workload(model={self.model!r}, target={self.target!r}, clients={self.clients}{extra})"

    def to_dict(self) -> dict:
        """What Scenario.checks holds for it: {"model", "target", "clients"}, and {"check", "options"}
        for any check but linearizability."""
        d: dict[str, Any] = {"model": self.model, "target": self.target, "clients": list(self.clients)}
        if self.checker != "linearizable":
            d.update(check=self.checker, options=dict(self.options))
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Workload:
        """The Workload of a to_dict() result (a scenario's "checks" entry)."""
        return cls(d["model"], d["target"], d["clients"], d.get("check", "linearizable"), d.get("options"))

    def also(self, scenario: Scenario, check: str, **options: Any) -> Workload:
        """The same clients judged by another check as well (declared in `scenario`); returns it."""
        w = Workload(self.model, self.target, self.clients, check, options)
        scenario.checks.append(w.to_dict())
        return w

    @property
    def name(self) -> str:
        """The check's name as reports show it: the model, and the check unless linearizability."""
        return self.model if self.checker == "linearizable" else f"{self.model}, {self.checker}"

    def history(self, results: Union[Results, list[dict]]) -> list[dict]:
        """The model's history of this workload's calls in a run (Results, or a list of recorded
        events with "client" and "object"), in the recorded order."""
        return self._mapped(results)[0]

    def window_in_run(self, results: Results, window: Optional[dict]) -> Optional[dict]:
        """A check's window (ids in history()) with the ids of the run's own events (results.history),
        for drawing it on the run's timeline."""
        if not window:
            return None
        raw = self._mapped(results)[1]
        return dict(window, ops=[raw[i] for i in window["ops"]], failing_op=raw[window["failing_op"]])

    def _mapped(self, results) -> tuple[list[dict], list[int]]:
        events = results if isinstance(results, list) else results.history
        if self.model in TXN_MICRO_OPS:
            return _transactions_history(self.model, events, set(self.clients))
        mine = set(self.clients)
        out, raw, pending = [], [], {}
        for i, e in enumerate(events):
            if e.get("object") != self.target or e.get("client") not in mine:
                continue
            if e["type"] == "invoke":
                pending[e["process"]] = e
                out.append(_invoke(self.model, e))
            else:
                inv = pending.pop(e["process"], None)
                if inv is None:
                    raise ValueError(f"completion without invoke in the recorded history: {e}")
                out.append(_complete(self.model, inv, e))
            raw.append(i)
        return out, raw

    def check(self, results: Results, **kw: Any) -> _check.CheckResult:
        """The declared check of history(results) against the model: amino.check.linearizable, or a
        guarantee of amino.guarantees with the declared options (kw: max_steps, time_limit)."""
        from . import guarantees
        options = dict(self.options)
        if self.checker in guarantees.BY_NODE and "holders" not in options:
            options["holders"] = self.nodes(results)
        return guarantees.check(self.checker, self.history(results), self.model, **options, **kw)

    def nodes(self, results: Union[Results, list[dict]]) -> dict:
        """{process: node} of this workload's calls in a run (processes on one node share its client DMs)."""
        events = results if isinstance(results, list) else results.history
        mine = set(self.clients)
        return {e["process"]: e["node"] for e in events
                if e.get("object") == self.target and e.get("client") in mine and "node" in e}


def _transactions_history(model: str, events: list[dict], mine: set) -> tuple[list[dict], list[int]]:
    """The "txn" history of the transaction clients `mine` in a run's recorded calls, and for each of
    its events the index of the recorded event it stands for (the transaction's start and end).

    Each client runs on a node of its own, and a transaction DM keeps one open transaction per node
    (its client part): replaying what that client part saw, call by call, says which calls belong to
    which transaction. A start that answered ok opens one; a commit or rollback that reached the
    client part (recorded "info" or "ok"; "fail" = never issued) closes it. Micro-operations made
    while none is open ran alone, each a transaction of its own (the DMs run a lone call under the
    same lock or version). A transaction is ok when its commit answered ok, fail when it certainly
    left nothing (rolled back; commit answered ABORTED or BAD_ARGUMENTS; or never committed: the
    DM's lease, copy drop or cohort timeout undoes it), info when the commit's outcome is unknown."""
    write_call, read_call, write_op = TXN_MICRO_OPS[model]
    start_m, commit_m, rollback_m = TXN_CONTROL
    out: list[tuple[int, dict]] = []
    open_txn: dict[int, dict] = {}      # process -> {"start": raw index, "time", "ops": [call, ...]}
    pending: dict[int, tuple[int, dict]] = {}

    def mop(c: dict, completed: bool = True) -> list:
        args = c["invoke"].get("value") or []
        if c["invoke"]["f"] == write_call:
            return [write_op, args[0], args[1]]
        if not completed:
            return ["r", args[0], None]
        reply = c["done"].get("value") if c["done"] is not None and c["done"]["type"] == "ok" else None
        if reply is not None and SUMMARIZED_VALUE.fullmatch(str(reply)):
            raise ValueError(f"a read of {args[0]!r} was recorded as {reply}: raise the scenario's max_value_chars")
        return ["r", args[0], reply]

    def emit(process: int, first: int, invoke_time, ops: list[dict], last: Optional[int], end: Optional[dict],
             outcome: str) -> None:
        if not ops:
            return  # nothing ran in it: no operation to judge
        inv = {"process": process, "type": "invoke", "f": "txn", "value": [mop(c, False) for c in ops]}
        if invoke_time is not None:
            inv["time"] = invoke_time
        out.append((first, inv))
        if last is None:
            return  # never completed: unknown
        done = dict(inv, type=outcome)
        if outcome == "ok":
            done["value"] = [mop(c) for c in ops]
        if end is not None:
            if "time" in end:
                done["time"] = end["time"]
            if end.get("error"):
                done["error"] = end["error"]
        out.append((last, done))

    def close(process: int, txn: dict, end_call: Optional[dict]) -> None:
        ops = txn["ops"]
        if end_call is None:                            # never committed
            emit(process, txn["start"], txn["time"], ops, txn["last"], None, "fail")
            return
        # (ok needs every micro-op answered ok: one that failed dooms the transaction in every DM
        # but OptimisticTransactions, whose calls on the private copy fail only locally.)
        done = end_call["done"]
        if end_call["invoke"]["f"] == rollback_m:
            outcome = "fail"
        elif done is None:
            outcome = "info"
        elif done["type"] == "ok":
            outcome = "ok" if all(c["done"] is not None and c["done"]["type"] == "ok" for c in ops) else "info"
        elif str(done.get("error", "")).startswith(("ABORTED", "BAD_ARGUMENTS")):
            outcome = "fail"
        else:
            outcome = "info"
        emit(process, txn["start"], txn["time"], ops, end_call["raw_done"], done, outcome)

    calls_by_process: dict[int, list[dict]] = {}
    for i, e in enumerate(events):
        if e.get("client") not in mine:
            continue
        p = e["process"]
        if e["type"] == "invoke":
            pending[p] = (i, e)
            continue
        if p not in pending:
            raise ValueError(f"completion without invoke in the recorded history: {e}")
        j, inv = pending.pop(p)
        calls_by_process.setdefault(p, []).append({"invoke": inv, "done": e, "raw": j, "raw_done": i})
    for p, (j, inv) in pending.items():  # still running at the end of the run
        calls_by_process.setdefault(p, []).append({"invoke": inv, "done": None, "raw": j, "raw_done": None})

    for p, calls in calls_by_process.items():
        for c in calls:
            f, done = c["invoke"]["f"], c["done"]
            issued = done is None or done["type"] != "fail"
            if f == start_m:
                if p not in open_txn and done is not None and done["type"] == "ok":
                    open_txn[p] = {"start": c["raw"], "time": c["invoke"].get("time"), "ops": [], "last": c["raw_done"]}
            elif f in (commit_m, rollback_m):
                if issued and p in open_txn:
                    close(p, open_txn.pop(p), c)
            elif f in (write_call, read_call):
                if not issued:
                    continue                            # never reached the client part: no effect
                if p in open_txn:
                    open_txn[p]["ops"].append(c)
                    open_txn[p]["last"] = c["raw_done"] if c["raw_done"] is not None else c["raw"]
                else:                            # a lone call: a transaction of its own
                    ok = done is not None and done["type"] == "ok"
                    emit(p, c["raw"], c["invoke"].get("time"), [c], c["raw_done"], done, "ok" if ok else "info")
            else:
                raise ValueError(f"transaction client called {f!r}: not a {model} micro-operation or a control method")
        if p in open_txn:
            close(p, open_txn.pop(p), None)
    out.sort(key=lambda x: x[0])
    return [e for _, e in out], [i for i, _ in out]


def declared(scenario_dict: dict) -> list[Workload]:
    """The workloads a scenario (its dict: Scenario.to_dict() or Results.scenario) declares for checking."""
    return [Workload.from_dict(c) for c in scenario_dict.get("checks") or []]


def check_all(results: Results, model: Optional[str] = None, **kw: Any) -> list[tuple[Workload, _check.CheckResult]]:
    """Checks every workload the run's scenario declares (only those whose model or check is `model`, if given)."""
    return [(w, w.check(results, **kw)) for w in declared(results.scenario)
            if model is None or model in (w.model, w.checker)]


def think_for(ops: int, until: float, fraction: float = 0.8) -> float:
    """A think time that spreads `ops` closed-loop calls over `fraction` of [0, until) s (e.g. until a
    nemesis's quiet tail), so the calls meet the faults rather than finish before the first one
    (calls that answer locally, as cached reads do, take no time themselves)."""
    if ops < 1 or until <= 0:
        raise ValueError("think_for needs ops >= 1 and until > 0")
    return fraction * until / ops


def _invoke(model: str, e: dict) -> dict:
    args = e.get("value") or []
    f = _F.get(e["f"], e["f"])
    value = None
    if model == "bank":  # one object, no key: the arguments are the value
        out = {"process": e["process"], "type": "invoke", "f": f, "value": list(args) if f != "read" else None}
        if "time" in e:
            out["time"] = e["time"]
        return out
    if f in ("write", "put", "append", "add"):
        value = args[1]
    elif f == "cas":
        value = [args[1], args[2]]
    out = {"process": e["process"], "type": "invoke", "f": f, "key": args[0] if args else None, "value": value}
    if "time" in e:
        out["time"] = e["time"]
    return out


def _complete(model: str, inv: dict, e: dict) -> dict:
    out = _invoke(model, inv)
    out["type"] = e["type"]
    if "time" in e:
        out["time"] = e["time"]
    if e["type"] == "ok":
        reply = e.get("value")
        if out["f"] in ("cas", "transfer"):
            if reply is False:
                out["type"] = "fail"  # no swap, no transfer: certainly no effect
        elif out["f"] in ("read", "get"):
            out["value"] = reply
    if "error" in e:
        out["error"] = e["error"]
    return out


def _fractions(model: str, given: dict) -> list[tuple[str, float]]:
    mix = dict(MIXES[model])
    for k, v in given.items():
        if k not in mix:
            raise ValueError(f"model {model} has no operation {k!r} (it has {', '.join(mix)})")
        if not 0 <= v:
            raise ValueError(f"fraction of {k} must be >= 0, got {v}")
        mix[k] = v
    total = sum(mix.values())
    if total <= 0:
        raise ValueError("the op fractions sum to 0")
    return [(k, v / total) for k, v in mix.items()]


def _generate(model, scenario, target, nodes, *, seed, clients, ops, keys, keys_per_client, think, timeout,
              start, name, fractions, check="linearizable", check_options=None, bank=None):
    nodes = list(nodes)
    if not nodes:
        raise ValueError("nodes is empty: give the hosts the clients run on")
    if clients < 1 or ops < 1 or keys < 1:
        raise ValueError("clients, ops and keys must be >= 1")
    if think < 0 or timeout <= 0 or start < 0:
        raise ValueError("think and start must be >= 0 and timeout > 0")
    mix = _fractions(model, fractions)
    rng = random.Random(seed)
    names = [f"{name}{i}" for i in range(clients)]
    key_sets = [[f"c{i}k{j}" if keys_per_client else f"k{j}" for j in range(keys)] for i in range(clients)]
    # Values any client writes per key: cas's expected values come from them, so some swaps succeed.
    written: dict[str, list[str]] = {}
    for i in range(clients):
        for j in range(ops):
            written.setdefault(rng.choice(key_sets[i]), []).append(f"c{i}.{j}")
    for i, client in enumerate(names):
        calls = []
        if model == "bank" and i == 0:
            calls.append(call("open", bank["accounts"], bank["balance"]))
        for j in range(ops):
            key = rng.choice(key_sets[i])
            f = rng.choices([k for k, _ in mix], [v for _, v in mix])[0]
            value = f"c{i}.{j}"
            if model == "bank":
                accounts = rng.sample(range(bank["accounts"]), 2) if bank["accounts"] > 1 else [0, 0]
                calls.append(call("balances") if f == "read" else
                             call("transfer", *accounts, rng.randint(1, bank["max_transfer"])))
            elif f in ("read", "get") and model != "counter":
                calls.append(call(f, key))
            elif f in ("write", "put", "append"):
                calls.append(call(f, key, value))
            elif f == "cas":
                calls.append(call("cas", key, rng.choice(written.get(key) or ["none"]), value))
            elif f == "add":
                calls.append(call("add", key, rng.randint(1, 5)))
            else:  # counter read
                calls.append(call("read", key))
        late = bank["open_delay"] if model == "bank" and i > 0 else 0.0
        scenario.client(client, node=nodes[i % len(nodes)], target=target, calls=calls, count=len(calls),
                        think=think, timeout=timeout, start=start + late)
    w = Workload(model, target, names, check, check_options)
    scenario.checks.append(w.to_dict())
    return w


def _generator(model):
    def generate(scenario: Scenario, target: str, nodes: Sequence[str], *, seed: int, clients: int = 3, ops: int = 100,
                 keys: int = 3, keys_per_client: bool = False, think: float = 0.01, timeout: float = 1.0,
                 start: float = 0.0, name: Optional[str] = None, check: str = "linearizable",
                 check_options: Optional[dict] = None, **fractions: float) -> Workload:
        return _generate(model, scenario, target, nodes, seed=seed, clients=clients, ops=ops, keys=keys,
                         keys_per_client=keys_per_client, think=think, timeout=timeout, start=start,
                         name=name or f"{target}-{model}-", fractions=fractions, check=check,
                         check_options=check_options)
    ops = ", ".join(f"{k}={v}" for k, v in MIXES[model].items())
    generate.__name__ = model
    generate.__doc__ = (f"Adds `clients` {model} clients calling `target` (see the module docstring); op "
                        f"fractions as keywords ({ops} by default); `check` (default linearizable) and "
                        f"`check_options` name what their history must pass (amino.guarantees). Returns the Workload.")
    return generate


register = _generator("register")
kv = _generator("kv")
counter = _generator("counter")


def bank(scenario: Scenario, target: str, nodes: Sequence[str], *, seed: int, clients: int = 3, ops: int = 100,
         accounts: int = 5, balance: int = 100, max_transfer: int = 50, open_delay: float = 0.5,
         think: float = 0.01, timeout: float = 1.0, start: float = 0.0, name: Optional[str] = None,
         **fractions: float) -> Workload:
    """Adds `clients` bank clients calling `target` (a Bank; see the module docstring): the first
    opens `accounts` accounts of `balance`, the others start `open_delay` s later; op fractions as
    keywords (read=0.3, transfer=0.7 by default). Returns the Workload (model "bank")."""
    if not 1 <= accounts <= 1024 or balance < 0 or max_transfer < 1 or open_delay < 0:
        raise ValueError("need 1 <= accounts <= 1024, balance >= 0, max_transfer >= 1, open_delay >= 0")
    return _generate("bank", scenario, target, nodes, seed=seed, clients=clients, ops=ops, keys=1,
                     keys_per_client=False, think=think, timeout=timeout, start=start,
                     name=name or f"{target}-bank-", fractions=fractions,
                     bank={"accounts": accounts, "balance": balance, "max_transfer": max_transfer,
                           "open_delay": open_delay})


def transactions(scenario: Scenario, target: Union[str, Sequence[str]], nodes: Sequence[str], *, seed: int,
                 model: str = "list-append", clients: int = 3, txns: int = 30, keys: int = 3,
                 micro_ops: tuple[int, int] = (1, 4), reads: float = 0.5, rollbacks: float = 0.05,
                 think: float = 0.01, timeout: float = 1.0, start: float = 0.0, name: Optional[str] = None,
                 consistency: str = "serializable") -> Workload:
    """Adds `clients` transaction clients (see the module docstring) calling `target`, a TxnStore
    under a transaction DM (LockingTransactions, OptimisticTransactions, DurableTransactions,
    TwoPhaseCommit), and declares the "transactions" check at `consistency` (amino.guarantees).

    model: "list-append" or "rw-register". Each client runs `txns` transactions, each of
    micro_ops[0]..micro_ops[1] micro-operations drawn from its own seeded stream over `keys` keys
    "k0".."k{keys-1}" shared by all clients: a read with probability `reads`, else a write of a
    value unique to the client and call (client i's j-th: (i + 1) * 1_000_000 + j); then
    commitTransaction, or rollbackTransaction with probability `rollbacks`. `target` may list
    several microservices: key kj lives on target[j % len(target)] and a transaction's calls go
    where its keys live (its control calls to the first it touches): one transaction across
    several cohorts, which only a DM whose transaction belongs to the client node (TwoPhaseCommit)
    coordinates. A transaction belongs to its client's node, so each client gets a node of its own:
    `nodes` must name at least `clients` hosts. Read replies are recorded whole (the scenario's
    max_value_chars is raised to 1,000,000). Returns the Workload (model = `model`)."""
    if model not in TXN_MICRO_OPS:
        raise ValueError(f"unknown transaction model {model!r} (known: {', '.join(TXN_MICRO_OPS)})")
    targets = [target] if isinstance(target, str) else list(target)
    nodes = list(nodes)
    if not targets or not all(isinstance(t, str) and t for t in targets):
        raise ValueError("target must name at least one microservice")
    if clients < 1 or txns < 1 or keys < 1:
        raise ValueError("clients, txns and keys must be >= 1")
    if len(set(nodes)) < clients:
        raise ValueError(f"{clients} transaction clients need as many distinct nodes (a transaction belongs to its "
                         f"client's node), got {len(set(nodes))}")
    lo, hi = micro_ops
    if not 1 <= lo <= hi <= 64 or txns * hi >= 1_000_000:
        raise ValueError(f"micro_ops must be (lo, hi) with 1 <= lo <= hi <= 64 and txns * hi < 1,000,000, "
                         f"got {micro_ops!r} with txns={txns}")
    if not (0 <= reads <= 1 and 0 <= rollbacks <= 1):
        raise ValueError("reads and rollbacks are probabilities in [0, 1]")
    if think < 0 or timeout <= 0 or start < 0:
        raise ValueError("think and start must be >= 0 and timeout > 0")
    write_call, read_call, _ = TXN_MICRO_OPS[model]
    start_m, commit_m, rollback_m = TXN_CONTROL
    single = len(targets) == 1
    rng = random.Random(seed)
    label = name or f"{'+'.join(targets)}-txn-"
    names = [f"{label}{i}" for i in range(clients)]
    distinct = list(dict.fromkeys(nodes))

    def at(method: str, args: tuple, where: str) -> dict:
        return call(method, *args, target=None if single else where)

    for i, client in enumerate(names):
        calls, written = [], 0
        for _ in range(txns):
            ops: list[tuple[str, tuple, str]] = []
            for _ in range(rng.randint(lo, hi)):
                j = rng.randrange(keys)
                if rng.random() < reads:
                    ops.append((read_call, (f"k{j}",), targets[j % len(targets)]))
                else:
                    written += 1
                    ops.append((write_call, (f"k{j}", (i + 1) * 1_000_000 + written), targets[j % len(targets)]))
            first = ops[0][2]
            end = rollback_m if rng.random() < rollbacks else commit_m
            calls += [at(start_m, (), first), *(at(m, a, t) for m, a, t in ops), at(end, (), first)]
        scenario.client(client, node=distinct[i], target=targets[0], calls=calls, count=len(calls), think=think,
                        timeout=timeout, start=start)
    scenario.max_value_chars = max(scenario.max_value_chars, 1_000_000)
    w = Workload(model, "+".join(targets), names, "transactions", {"consistency": consistency})
    scenario.checks.append(w.to_dict())
    return w
