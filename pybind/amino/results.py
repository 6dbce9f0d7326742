"""Results of one run as plain records (one per call), its history, plus the run's fingerprint.

Record fields: client, node, microservice, method, start (s since time 0), latency (s), outcome
(runtime/status.h code name: OK, TIMEOUT, APP_ERROR, UNAVAILABLE, ...), value (the reply as JSON, long values
summarised by a digest), error (message of a failed call).

History (pybind/history.h, pybind/README.md "Histories"): the same calls as Jepsen-style events, an
"invoke" when a call is issued and an "ok" / "fail" / "info" when it completes, in time order.

Probes and invariants (sim backend only; empty on sockets): `probes` are the protocol events DM
code reported ({"time": ns since time 0, "node", "kind", "fields"}, runtime/probe.h); `invariants`
the violations of Raft's safety invariants found in them ({"invariant", "group", "term", "index",
"nodes", "replicas", "time", "message"}, testbed/check/invariants.h); `triggered` the triggers
("on_probe" faults) that fired, with the faults they applied and when.
"""
from __future__ import annotations

import csv
import json
import os
import statistics
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    import pandas

FIELDS = ["client", "node", "microservice", "method", "start", "latency", "outcome", "value", "error"]
# History event fields in the order they are written (the shared format's first, then the extras).
HISTORY_FIELDS = ["process", "type", "f", "key", "value", "time", "object", "client", "node", "error"]
HISTORY_FILE = "history.jsonl"
PROBES_FILE = "probes.jsonl"


class Results:
    """One run: .records, .history, .errors, .ok, .trace_hash, .probes, .invariants, .triggered,
    .seed, .params (the sweep parameters that made it), .scenario (its dict) and .replay_command."""

    def __init__(self, raw: dict, scenario_dict: dict, replay_command: Optional[str] = None,
                 params: Optional[dict] = None) -> None:
        self.raw = raw
        self.scenario = scenario_dict
        self.records = raw.get("records", [])
        self.history = [_ordered(e) for e in raw.get("history", [])]
        self.errors = raw.get("errors", [])
        self.ok = bool(raw.get("ok", False))
        self.trace_hash = raw.get("trace_hash", "")
        self.probes = raw.get("probes", [])
        self.invariants = raw.get("invariants", [])
        self.triggered = raw.get("triggered", [])
        self.seed: Optional[int] = scenario_dict.get("seed")
        self.params = dict(params or {})
        self._replay_command = replay_command
        self._saved_scenario: Optional[str] = None  # scenario.json written by save()

    @property
    def replay_command(self) -> str:
        """The one shell command that replays this run. A run of a scenario module replays by name
        and parameters; an ad-hoc scenario replays from its scenario.json: the one save() wrote, else
        one written under $TMPDIR/amino-replay/ now, when first asked for (never for runs nobody
        asks about)."""
        if self._replay_command is None:
            from .runner import replay_command, save_scenario_for_replay
            origin = self.scenario.get("origin") or {}
            saved = None
            if not origin.get("name"):
                saved = self._saved_scenario or save_scenario_for_replay(self.scenario)
            self._replay_command = replay_command(self.scenario, saved)
        return self._replay_command

    @replay_command.setter
    def replay_command(self, command: str) -> None:
        self._replay_command = command

    def __repr__(self) -> str:
        return (f"Results(ok={self.ok}, calls={len(self.records)}, errors={len(self.errors)}, "
                f"invariant_violations={len(self.invariants)}, trace_hash={self.trace_hash!r})")

    def invariant_lines(self) -> list[str]:
        """One line per invariant violation: "<invariant> in group <g> at <t> s: <message>"."""
        return [f"{v['invariant']} in group {v['group']} at {v['time'] / 1e9:.6f} s: {v['message']}"
                for v in self.invariants]

    # ---- selection and statistics
    def select(self, **where: Any) -> list[dict]:
        """Records whose fields equal the given values, e.g. select(client="p1", method="read")."""
        return [r for r in self.records if all(r.get(k) == v for k, v in where.items())]

    def latencies(self, ok_only: bool = True, **where: Any) -> list[float]:
        """Latencies in seconds of the selected calls (successful ones unless ok_only=False)."""
        return [r["latency"] for r in self.select(**where) if not ok_only or r["outcome"] == "OK"]

    def summary(self, by: tuple[str, ...] = ("client", "microservice", "method")) -> list[dict]:
        """One row per group: calls, ok, failed, and latency mean/median/p95/max in ms (ok calls)."""
        groups: dict[tuple, list[dict]] = {}
        for r in self.records:
            groups.setdefault(tuple(r[k] for k in by), []).append(r)
        rows = []
        for key, recs in sorted(groups.items()):
            lat = sorted(r["latency"] * 1e3 for r in recs if r["outcome"] == "OK")
            row = dict(zip(by, key))
            row.update(calls=len(recs), ok=len(lat), failed=len(recs) - len(lat),
                       mean_ms=_round(statistics.fmean(lat)) if lat else None,
                       median_ms=_round(statistics.median(lat)) if lat else None,
                       p95_ms=_round(lat[min(len(lat) - 1, int(0.95 * len(lat)))]) if lat else None,
                       max_ms=_round(lat[-1]) if lat else None)
            rows.append(row)
        return rows

    def summary_text(self, **kw: Any) -> str:
        """summary() as an aligned text table (what `python3 -m amino run` prints); kw as summary()."""
        rows = self.summary(**kw)
        if not rows:
            return "(no calls)"
        cols = list(rows[0])
        widths = {c: max(len(c), *(len(str(r[c])) for r in rows)) for c in cols}
        lines = ["  ".join(c.ljust(widths[c]) for c in cols)]
        lines += ["  ".join(str(r[c]).ljust(widths[c]) for c in cols) for r in rows]
        return "\n".join(lines)

    # ---- files
    def to_csv(self, path: str) -> str:
        """Writes one row per call (values as JSON text) to `path`; returns `path`."""
        with open(path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=FIELDS)
            w.writeheader()
            for r in self.records:
                row = dict(r)
                row["value"] = json.dumps(r.get("value"))
                w.writerow({k: row.get(k, "") for k in FIELDS})
        return path

    def history_jsonl(self, path: str) -> str:
        """Writes the history as JSON Lines, one event per line, in order, to `path`; returns `path`."""
        with open(path, "w") as f:
            for e in self.history:
                f.write(json.dumps(e) + "\n")
        return path

    def save(self, out_dir: str) -> str:
        """Writes into `out_dir` (made if missing) records.csv, history.jsonl, probes.jsonl,
        summary.csv, result.json (everything but the records, the history and the probes) and
        scenario.json; returns `out_dir`."""
        os.makedirs(out_dir, exist_ok=True)
        self.to_csv(os.path.join(out_dir, "records.csv"))
        self.history_jsonl(os.path.join(out_dir, HISTORY_FILE))
        with open(os.path.join(out_dir, PROBES_FILE), "w") as f:
            for p in self.probes:
                f.write(json.dumps(p, sort_keys=True) + "\n")
        rows = self.summary()
        with open(os.path.join(out_dir, "summary.csv"), "w", newline="") as f:
            if rows:
                w = csv.DictWriter(f, fieldnames=list(rows[0]))
                w.writeheader()
                w.writerows(rows)
        scenario_path = os.path.join(out_dir, "scenario.json")
        with open(scenario_path, "w") as f:
            json.dump(self.scenario, f, indent=1, sort_keys=True)
        if self._saved_scenario is None:
            self._saved_scenario = os.path.abspath(scenario_path)  # an ad-hoc run now replays from here
        meta = {k: v for k, v in self.raw.items() if k not in ("records", "history", "probes")}
        meta.update(seed=self.seed, params=self.params, replay=self.replay_command)
        with open(os.path.join(out_dir, "result.json"), "w") as f:
            json.dump(meta, f, indent=1, sort_keys=True)
        return out_dir

    # ---- DataFrames (pandas: python3-pandas)
    def records_frame(self) -> pandas.DataFrame:
        """The records as a pandas DataFrame, one row per call: the run's seed and parameters
        (run_columns) then FIELDS; value holds the decoded reply."""
        return _frame([self._run_columns() | r for r in self.records], list(self._run_columns()) + FIELDS)

    def history_frame(self) -> pandas.DataFrame:
        """The history as a pandas DataFrame, one row per event: the run's seed and parameters, then
        HISTORY_FIELDS (time in ns since time 0; NaN/None where an event has no such field)."""
        return _frame([self._run_columns() | e for e in self.history], list(self._run_columns()) + HISTORY_FIELDS)

    def _run_columns(self) -> dict:
        return run_columns(self.seed, self.params)


RESERVED = set(FIELDS) | set(HISTORY_FIELDS) | {"seed", "run", "ok", "n_calls", "n_errors", "trace_hash"}


def run_columns(seed: Optional[int], params: dict) -> dict:
    """The columns that say which run a row came from: seed, then each parameter under its own name
    (prefixed "param_" where the name is also a record, history or run column, e.g. a parameter
    called "client")."""
    out = {"seed": seed}
    for k, v in sorted(params.items()):
        out[f"param_{k}" if k in RESERVED else k] = v
    return out


class SweepResults(list):
    """The Results of a sweep, in the order of its combinations (seed fastest), with DataFrames."""

    def frame(self) -> pandas.DataFrame:
        """Every run's records as one pandas DataFrame: run (the position in the sweep), seed and the
        parameters as columns, then FIELDS."""
        return self._frame_of(lambda res: res.records, FIELDS)

    def runs_frame(self) -> pandas.DataFrame:
        """One row per run: run, seed, parameters, ok, n_calls, n_errors, trace_hash."""
        return self._frame_of(lambda res: [{"ok": res.ok, "n_calls": len(res.records), "n_errors": len(res.errors),
                                            "trace_hash": res.trace_hash}], ["ok", "n_calls", "n_errors", "trace_hash"])

    def _frame_of(self, rows_of: Callable[[Results], list[dict]], tail: list[str]) -> pandas.DataFrame:
        """rows_of(res) for every run, each row headed by the run's position, seed and parameters
        (the union of every run's parameters, in order of appearance), then the `tail` columns."""
        rows, columns = [], ["run"]
        for i, res in enumerate(self):
            head = {"run": i} | res._run_columns()
            columns += [c for c in head if c not in columns]
            rows += [head | r for r in rows_of(res)]
        return _frame(rows, columns + tail)


def _frame(rows: list[dict], columns: list[str]) -> pandas.DataFrame:
    try:
        import pandas
    except ImportError:
        raise ImportError("DataFrames need pandas: apt install python3-pandas (scripts/setup.sh installs it)") from None
    return pandas.DataFrame.from_records(rows, columns=columns)


def _ordered(event: dict) -> dict:
    """The event with its fields in HISTORY_FIELDS order (the C++ side's JSON objects sort keys)."""
    out = {k: event[k] for k in HISTORY_FIELDS if k in event}
    out.update((k, v) for k, v in event.items() if k not in out)
    return out


def _round(x: float) -> float:
    return round(x, 3)
