"""Hunting for failing seeds, shrinking the first failure, and what replays it.

    report = amino.hunt.hunt("replicated_register", seeds=range(1, 201), model="register", jobs=2)
    report.failures          # [SeedVerdict] of every failing seed
    small = amino.hunt.shrink(report.failures[0].scenario, model="register")

A seed fails when a check the scenario declares (Scenario.checks, added by amino.workload: linearizability
or a DM guarantee of amino.guarantees) reports a violation, when the run violates a safety invariant
over its probes (Results.invariants: two leaders in a term, a double vote, replicas applying
different entries at an index, a committed entry replaced, a leader missing a committed entry), or
when the run itself reports errors. Shrinking is delta debugging (Zeller's ddmin)
over the fault schedule's units (a fault together with its repair: crash and restart, partition and
heal, ...), then over the clients, then over each client's number of calls, keeping only
candidates that still fail; the seed stays, so every candidate is one deterministic run.
"""
from __future__ import annotations

import copy
import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Optional, Union

from . import catalog
from .runner import _progress, run, run_pool
from .results import Results
from .scenario import Scenario
from .guarantees import VIOLATIONS, violated
from .workload import check_all

# Parallel runs: a number, or "auto" (None, 0) for one per core.
Jobs = Union[int, str, None]

# Fault types that end an earlier fault, and the kind of fault they end ("clock" and "link" are
# both: a change and, later, the change back).
_PURE_REPAIRS = {"heal", "restart", "resume", "clear_message_faults"}
_REPAIRS = {"heal": "partition", "restart": "crash", "resume": "pause", "clear_message_faults": "message_faults",
            "clock": "clock", "link": "link"}


@dataclass
class SeedVerdict:
    """One seed's run judged: failed, each check's verdict, the run's errors and invariant violations."""
    seed: Optional[int]
    failed: bool
    verdicts: list = field(default_factory=list)  # [(target, model, verdict)]
    errors: list = field(default_factory=list)    # the run's own errors
    trace_hash: str = ""
    scenario: Optional[dict] = None               # the run's scenario dict
    results: Optional[Results] = None             # Results (kept for failures only)
    invariants: list = field(default_factory=list)  # Results.invariants: violations over the probes

    def describe(self) -> str:
        """One line: the seed, each check's verdict, the first invariant violation and run error."""
        parts = [f"{t} ({m}): {v}" for t, m, v in self.verdicts]
        if self.invariants:
            v = self.invariants[0]
            parts.append(f"{len(self.invariants)} invariant violation(s): {v['invariant']} in group {v['group']} "
                         f"at {v['time'] / 1e9:.6f} s: {v['message'][:200]}")
        if self.errors:
            parts.append(f"{len(self.errors)} run error(s): {self.errors[0][:200]}")
        return f"seed {self.seed}: " + "; ".join(parts)


@dataclass
class HuntReport:
    ran: int
    failures: list
    elapsed_s: float
    jobs: int

    @property
    def seeds_per_core_minute(self) -> float:
        """The hunt's throughput per core, for comparing hunts run with different --jobs."""
        return self.ran / max(self.elapsed_s, 1e-9) * 60 / self.jobs


def judge(results: Results, model: Optional[str] = None, time_limit: float = 60.0) -> SeedVerdict:
    """The verdict of one run: every declared check (of `model`, if given), the invariants over its
    probes and the run's errors."""
    checks = check_all(results, model=model, time_limit=time_limit) if results.ok else []
    verdicts = [(w.target, w.name, r.verdict) for w, r in checks]
    invariants = list(getattr(results, "invariants", []))
    failed = not results.ok or bool(invariants) or any(violated(r) for _, r in checks)
    return SeedVerdict(results.seed, failed, verdicts, list(results.errors), results.trace_hash,
                       results.scenario, results if failed else None, invariants)


def _jobs(jobs: Jobs) -> int:
    if jobs in (None, 0, "auto"):
        return os.cpu_count() or 1
    return max(1, int(jobs or 1))


def run_many(scenarios: Iterable[Scenario], *, model: Optional[str] = None, jobs: Jobs = "auto", progress: bool = True,
             total: Optional[int] = None,
             on_result: Optional[Callable[[SeedVerdict], None]] = None, time_limit: float = 60.0,
             timeout: Optional[float] = None) -> list:
    """Runs scenarios `jobs` at a time (each in its own forked child) and judges each one; a run
    longer than `timeout` seconds of wall time is killed and fails (a hang is a finding too)."""
    bar = _progress(total or 0, progress)
    out = []
    for _, res in run_pool(((None, sc, None) for sc in scenarios), _jobs(jobs), timeout):
        verdict = judge(res, model, time_limit)
        out.append(verdict)
        bar.update(1)
        if on_result:
            on_result(verdict)
    bar.close()
    return out


def hunt(scenario: str, *, seeds: Iterable[int], params: Optional[dict] = None, model: Optional[str] = None,
         jobs: Jobs = "auto", progress: bool = True, stop_after: Optional[int] = None, time_limit: float = 60.0,
         timeout: Optional[float] = None) -> HuntReport:
    """Runs scenario module `scenario` (a name under scenarios/ or a .py path) for every seed;
    stop_after: stop launching once that many seeds failed; timeout: wall seconds per run (a run
    killed for taking longer fails)."""
    params = dict(params or {})
    seeds = list(seeds)
    failures: list[SeedVerdict] = []
    start = time.monotonic()

    def scenarios():
        for s in seeds:
            if stop_after is not None and len(failures) >= stop_after:
                return
            yield catalog.build(scenario, seed=s, **params)

    def keep(v):
        if v.failed:
            failures.append(v)

    verdicts = run_many(scenarios(), model=model, jobs=jobs, progress=progress, total=len(seeds),
                        on_result=keep, time_limit=time_limit, timeout=timeout)
    failures.sort(key=lambda v: v.seed or 0)
    return HuntReport(len(verdicts), failures, time.monotonic() - start, _jobs(jobs))


# ---- shrinking

def fault_units(faults: list) -> list:
    """The schedule as units: each fault with the later fault that repairs it (same node, link or
    kind), or alone. Removing a unit never leaves a repair without its fault."""
    units, used = [], set()
    for i, f in enumerate(faults):
        if i in used:
            continue
        unit = [i]
        if f["type"] not in _PURE_REPAIRS:
            j = next((j for j in range(i + 1, len(faults)) if j not in used and _repairs(faults[j], f)), None)
            if j is not None:
                unit.append(j)
        used.update(unit)
        units.append(unit)
    return units


def _repairs(later: dict, f: dict) -> bool:
    kind = _REPAIRS.get(later["type"])
    if kind is None:
        return False
    if kind == "partition":
        return f["type"].startswith("partition")
    if kind in ("crash", "pause"):
        return f["type"] == kind and f.get("node") == later.get("node")
    if kind == "clock":
        return f["type"] == "clock" and f.get("node") == later.get("node")
    if kind == "link":
        return f["type"] == "link" and f.get("link") == later.get("link")
    return f["type"] == kind


def ddmin(items: list, fails: Callable[[list], bool]) -> list:
    """Zeller's ddmin: a 1-minimal sublist of `items` for which fails() holds (fails(items) must)."""
    n = 2
    while len(items) >= 2:
        chunk = max(1, len(items) // n)
        subsets = [items[i:i + chunk] for i in range(0, len(items), chunk)]
        reduced = False
        for i, subset in enumerate(subsets):
            complement = [x for j, s in enumerate(subsets) if j != i for x in s]
            if fails(subset):
                items, n, reduced = subset, 2, True
                break
            if len(subsets) > 2 and fails(complement):
                items, n, reduced = complement, max(n - 1, 2), True
                break
        if not reduced:
            if n >= len(items):
                break
            n = min(len(items), 2 * n)
    if len(items) == 1 and fails([]):
        return []
    return items


@dataclass
class Shrunk:
    scenario: dict
    verdict: SeedVerdict
    runs: int
    original: dict   # {"faults", "clients", "calls"} of the input
    minimal: dict    # the same of the result


def _sizes(d: dict) -> dict:
    return {"faults": len(d.get("faults", [])), "clients": len(d.get("workloads", [])),
            "calls": sum(w.get("count", 0) for w in d.get("workloads", []))}


def shrink(scenario: dict, *, model: Optional[str] = None, max_runs: int = 300, time_limit: float = 60.0) -> Shrunk:
    """A smaller scenario that still fails: ddmin over fault units, then clients, then calls."""
    base = copy.deepcopy(scenario)
    base.pop("chrome_trace", None)
    base.pop("jsonl_trace", None)
    runs = 0
    last = {}

    def kind(v: SeedVerdict) -> Optional[str]:
        if not v.failed:
            return None
        if any(verdict in VIOLATIONS for _, _, verdict in v.verdicts):
            return "check"
        return "invariant" if v.invariants else "error"

    target = None

    def fails(d) -> bool:
        nonlocal runs, target
        if runs >= max_runs:
            return False
        runs += 1
        try:
            res = run(Scenario.from_dict(d))
        except Exception:  # an invalid candidate (e.g. a restart left without its node's crash)
            return False
        v = judge(res, model, time_limit)
        if target is None:
            target = kind(v)
        if v.failed and kind(v) == target:  # the same kind of failure as the original
            last["verdict"] = v
            return True
        return False

    if not fails(base):
        raise ValueError("the scenario does not fail; nothing to shrink")
    current = base
    # 1. fault units
    units = fault_units(current.get("faults", []))

    def with_units(us):
        d = copy.deepcopy(current)
        keep = sorted(i for u in us for i in u)
        d["faults"] = [current["faults"][i] for i in keep]
        return d

    best = ddmin(units, lambda us: fails(with_units(us)))
    current = with_units(best)
    # 2. clients (a check keeps only the clients that remain)
    clients = list(range(len(current.get("workloads", []))))

    def with_clients(cs):
        d = copy.deepcopy(current)
        d["workloads"] = [current["workloads"][i] for i in cs]
        names = {w["client"] for w in d["workloads"]}
        d["checks"] = [dict(c, clients=[x for x in c["clients"] if x in names]) for c in current.get("checks", [])]
        return d

    if len(clients) > 1:
        current = with_clients(ddmin(clients, lambda cs: bool(cs) and fails(with_clients(cs))))
    # 3. calls per client: halve while it still fails, then step down
    for i in range(len(current.get("workloads", []))):
        count = current["workloads"][i]["count"]
        while count > 1:
            smaller = max(1, count // 2)
            d = copy.deepcopy(current)
            d["workloads"][i]["count"] = smaller
            if not fails(d):
                break
            current, count = d, smaller
    # Every candidate fails() accepted became `current`, so last["verdict"] is current's. The
    # result is no longer what its module builds: replays go by the saved file.
    current["origin"] = None
    return Shrunk(current, last["verdict"], runs, _sizes(scenario), _sizes(current))


def save_failure(out_dir: str, shrunk: Shrunk, model: Optional[str] = None) -> dict:
    """Writes scenario.json (minimal), history.jsonl (the failing check's history, or the run's),
    check.txt (its explanation), invariants.txt (the invariant violations, if any), result.json
    (trace hash) and timeline.html.
    Returns the written paths."""
    from .history import save as save_history
    os.makedirs(out_dir, exist_ok=True)
    res = shrunk.verdict.results
    assert res is not None  # a failing verdict keeps its Results
    paths = {"scenario": os.path.join(out_dir, "scenario.json")}
    with open(paths["scenario"], "w") as f:
        json.dump(shrunk.scenario, f, indent=1, sort_keys=True)
    with open(os.path.join(out_dir, "result.json"), "w") as f:
        json.dump({"trace_hash": res.trace_hash, "seed": res.seed, "ok": res.ok, "errors": res.errors,
                   "verdicts": shrunk.verdict.verdicts, "invariants": res.invariants}, f, indent=1, sort_keys=True)
    paths["result"] = os.path.join(out_dir, "result.json")
    for w, r in check_all(res, model=model):
        if violated(r):
            paths["history"] = save_history(w.history(res), os.path.join(out_dir, "history.jsonl"))
            paths["check"] = os.path.join(out_dir, "check.txt")
            with open(paths["check"], "w") as f:
                f.write(r.summary() + "\n")
            from . import timeline
            paths["timeline"] = str(timeline.from_results(res, os.path.join(out_dir, "timeline.html"),
                                                          window=w.window_in_run(res, r.window), explanation=r.summary()))
            break
    if res.invariants:  # invariants.txt; the timeline explains them when no check failed
        paths["invariants"] = os.path.join(out_dir, "invariants.txt")
        with open(paths["invariants"], "w") as f:
            f.write("\n".join(res.invariant_lines()) + "\n")
        if "timeline" not in paths:
            from . import timeline
            paths["history"] = save_history(res.history, os.path.join(out_dir, "history.jsonl"))
            paths["timeline"] = str(timeline.from_results(res, os.path.join(out_dir, "timeline.html"),
                                                          explanation="\n".join(res.invariant_lines())))
    return paths
