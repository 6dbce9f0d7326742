"""Helpers shared by the scenario modules' reproduce() functions: flatten many runs into one table,
aggregate it, write CSV and Markdown. Plain lists of dicts, so the committed tables do not depend on
a pandas version (DataFrames: Results.records_frame, SweepResults.frame)."""
from __future__ import annotations

import csv
import os
import statistics
from typing import TYPE_CHECKING, Any, Iterable, Optional, Sequence

if TYPE_CHECKING:
    from .results import Results


def flatten(results: Iterable[Results], **const: Any) -> list[dict]:
    """Every record of every Results, tagged with its params, seed and `const` columns."""
    rows: list[dict] = []
    for res in results:
        for r in res.records:
            row = dict(const)
            row.update(res.params)
            row.update(seed=res.seed, **{k: r[k] for k in ("client", "node", "microservice", "method",
                                                             "start", "latency", "outcome", "error")})
            rows.append(row)
    return rows


def aggregate(rows: Iterable[dict], by: Sequence[str], after: float = 0.0) -> list[dict]:
    """Per group of `by` columns: calls, failed, median/mean/p95 latency (ms) of OK calls started
    at or after `after` seconds (skips warm-up: first lookups at the OMS)."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["start"] >= after:
            groups.setdefault(tuple(r[k] for k in by), []).append(r)
    out = []
    for key, recs in sorted(groups.items(), key=lambda kv: tuple(str(x) for x in kv[0])):
        lat = sorted(r["latency"] * 1e3 for r in recs if r["outcome"] == "OK")
        row = dict(zip(by, key))
        row.update(calls=len(recs), failed=len(recs) - len(lat),
                   median_ms=round(statistics.median(lat), 2) if lat else None,
                   mean_ms=round(statistics.fmean(lat), 2) if lat else None,
                   p95_ms=round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 2) if lat else None)
        out.append(row)
    return out


def write_csv(rows: list[dict], path: str) -> str:
    """Writes rows as CSV (columns: the first row's, then any new ones in order of appearance),
    making the folder; returns `path`."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", newline="") as f:
        if rows:
            cols = list(rows[0])
            for r in rows:
                cols += [k for k in r if k not in cols]
            w = csv.DictWriter(f, fieldnames=cols)
            w.writeheader()
            w.writerows(rows)
    return path


def read_csv(path: str) -> list[dict]:
    """Rows with numbers converted back (for notebooks and tests)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for k, v in r.items():
            try:
                r[k] = float(v) if any(c in v for c in ".e") else int(v)
            except (ValueError, TypeError):
                pass
    return rows


def markdown(rows: list[dict], cols: Optional[list[str]] = None) -> str:
    """A Markdown table of rows (columns: `cols`, default the first row's); None shows as empty."""
    if not rows:
        return "(no rows)\n"
    cols = cols or list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join("" if r.get(c) is None else str(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"
