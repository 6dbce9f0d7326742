"""What a migrating board costs each player: the "dynamic" deployment (the board starts in the cloud and
DynamicMigration moves it toward player 1) with the board moved by stop-and-copy and by pre-copy live
migration, 3 seeds each, in simulation. For each migration the OMS reports (probe "migration.done",
runtime/oms_groups.cc) its pause — how long the board refused calls — and each player's calls that
overlapped that pause are compared with the player's median latency over the run.

    PYTHONPATH=build/pybind:pybind /usr/bin/python3 scenarios/multiplayer_game/migration_cost.py results/multiplayer_game

writes migration_cost.csv and migration_cost.md there.
"""
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import amino  # noqa: E402
from amino import report  # noqa: E402

import scenario  # noqa: E402

SEEDS = (1, 2, 3)
DURATION = 15.0


def _field(probe, name):
    fields = probe.get("fields", {})
    if isinstance(fields, dict):
        return fields.get(name)
    for f in fields:  # [{"name": ..., "value": ...}] or [[name, value]]
        if isinstance(f, dict) and f.get("name") == name:
            return f.get("value")
        if isinstance(f, (list, tuple)) and f[0] == name:
            return f[1]
    return None


def rows_of(res, live):
    """One row per (migration, player, op): the calls overlapping the pause against the run's median."""
    out = []
    done = [p for p in res.probes if p.get("kind") == "migration.done" and _field(p, "ok")]
    # Migrations that end before t=0 are KeepInCloud placing scores/logic at deployment (no player call
    # yet); during the workload only the board's DynamicMigration moves anything.
    done = [p for p in done if p["time"] >= 0]
    oids = {_field(p, "oid") for p in done}
    if len(oids) > 1:
        raise RuntimeError(f"expected only the board to migrate during the run, got oids {sorted(oids)}")
    for p in done:
        end = p["time"] / 1e9
        pause = _field(p, "pause_ns") / 1e9
        start = end - pause
        for player in scenario.PLAYERS:
            for op, method in (("read", "read"), ("write", "move")):
                calls = [r for r in res.select(client=player, method=method) if r["outcome"] == "OK"]
                base = [r["latency"] * 1e3 for r in calls if not (r["start"] <= end and r["start"] + r["latency"] >= start)]
                hit = [r["latency"] * 1e3 for r in calls if r["start"] <= end and r["start"] + r["latency"] >= start]
                med = statistics.median(base) if base else float("nan")
                out.append({"mode": "live" if live else "stop-and-copy", "seed": res.seed, "migration_at_s": round(end, 3),
                            "pause_ms": round(pause * 1e3, 2), "total_ms": round(_field(p, "total_ns") / 1e6, 2),
                            "player": player, "op": op, "median_ms": round(med, 2), "calls_in_pause": len(hit),
                            "max_in_pause_ms": round(max(hit), 2) if hit else "",
                            "extra_ms": round(max(hit) - med, 2) if hit else ""})
    return out


def main(out_dir):
    rows = []
    for live in (False, True):
        results = amino.sweep(scenario.build, seeds=SEEDS,
                              params={"deployment": ["dynamic"], "live_migration": [live], "duration": [DURATION]},
                              processes=1)
        for res in results:
            if not res.ok:
                print("run failed:", res.params, res.seed, res.errors[:3])
            rows += rows_of(res, live)
    os.makedirs(out_dir, exist_ok=True)
    report.write_csv(rows, os.path.join(out_dir, "migration_cost.csv"))
    table = summary(rows)
    with open(os.path.join(out_dir, "migration_cost.md"), "w") as f:
        f.write("# What a migrating board costs each player\n\n")
        f.write("`PYTHONPATH=build/pybind:pybind /usr/bin/python3 scenarios/multiplayer_game/migration_cost.py "
                "results/multiplayer_game` (simulation, deployment `dynamic`, seeds 1-3, 15 s).\n\n")
        f.write("One row per migration of the board. pause: how long the board refused calls (OMS probe "
                "migration.done); total: start of the migration to its end (live: pre-copy rounds + pause). "
                "p1/p2 read/write: the slowest of that player's calls that overlapped the pause, in ms "
                "(- when none did), next to the player's median for that operation over the run (calls "
                "outside any pause). Every row per player and operation: migration_cost.csv.\n\n")
        f.write(report.markdown(table))
    print(report.markdown(table))


def summary(rows):
    """migration_cost.csv's rows pivoted: one row per migration, 'worst (median)' per player and op."""
    out = {}
    for r in rows:
        key = (r["mode"], r["seed"], r["migration_at_s"])
        row = out.setdefault(key, {"mode": r["mode"], "seed": r["seed"], "migration_at_s": r["migration_at_s"],
                                   "pause_ms": r["pause_ms"], "total_ms": r["total_ms"]})
        short = r["player"].replace("player", "p")
        worst = r["max_in_pause_ms"] if r["max_in_pause_ms"] != "" else "-"
        row[f"{short}_{r['op']}_ms"] = f"{worst} ({r['median_ms']})"
    return list(out.values())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/multiplayer_game")
