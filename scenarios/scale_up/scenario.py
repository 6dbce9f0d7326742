"""ScaleUpFrontEnd under an overload (issue 11): a stateless web front end (PageRenderer: each call
costs CPU, so calls running at once on one server share it and slow down) behind ScaleUpFrontEnd,
with staggered open-loop clients: a base load the minimum of replicas serves, then two bursts that
together need about three replicas, then the base load again. The group adds replicas while the
bursts overload them (calls refused or mean utilization >= scaleUpAt, one per upCooldownMs, up to
maxReplicas) and removes them once the load is back (utilization <= scaleDownAt everywhere, one per
downCooldownMs, down to minReplicas); the figure shows the replica count (the group's
scale.replicas probes) and the calls' latency over time.

Capacity: a cloud_server core runs 1e10 operations/s (testbed/presets.cc), so a call of `mops`
= 50 million operations takes 5 ms alone: one replica serves at most 200 calls/s. Load: BASE_RATE
calls/s all along, plus each burst's rate during its window (Poisson arrivals, amino.Scenario.client).
"""
import os
import statistics

import amino
from amino import figures, report

DESCRIPTION = "ScaleUpFrontEnd under staggered open-loop bursts: replicas and latency over time"
PARAMS = {"duration": 40.0, "mops": 50, "base_rate": 100.0, "burst_rate": 200.0, "min_replicas": 1,
          "max_replicas": 4, "max_concurrent": 16, "scale_up_at": 0.5, "scale_down_at": 0.05}
PARAM_RANGES = {"duration": (1.0, 3600.0), "mops": (1, 100000), "base_rate": (0.0, 100000.0),
                "burst_rate": (0.0, 100000.0), "min_replicas": (1, 64), "max_replicas": (1, 64),
                "max_concurrent": (1, 100000), "scale_up_at": (0.5, 1.0), "scale_down_at": (0.0, 0.45)}
SERVERS = 5
BURSTS = ((5.0, 25.0), (10.0, 25.0))  # (start, end) s of each burst client, as a share of 40 s
BIN_S = 0.5                           # width of the timeline's bins (s)
TIMEOUT_S = 2.0


def build(seed=1, duration=40.0, mops=50, base_rate=100.0, burst_rate=200.0, min_replicas=1, max_replicas=4,
          max_concurrent=16, scale_up_at=0.5, scale_down_at=0.05):
    sc = amino.Scenario(seed=seed, duration=duration, name="scale_up",
                        params=dict(duration=duration, mops=mops, base_rate=base_rate, burst_rate=burst_rate,
                                    min_replicas=min_replicas, max_replicas=max_replicas,
                                    max_concurrent=max_concurrent, scale_up_at=scale_up_at,
                                    scale_down_at=scale_down_at))
    for i in range(1, SERVERS + 1):
        sc.host(f"s{i}", "cloud_server", labels={"tier": "server"})
    clients = ["c0"] + [f"c{i + 1}" for i in range(len(BURSTS))]
    for c in clients:
        sc.host(c, "cloud_server", labels={"role": "client"})
    scale = {"minReplicas": min_replicas, "maxReplicas": max_replicas, "maxConcurrent": max_concurrent,
             "scaleUpAt": float(scale_up_at), "scaleDownAt": float(scale_down_at), "reportMs": 500, "refreshMs": 500, "upCooldownMs": 1000, "downCooldownMs": 3000}
    sc.deploy("web", on="s1", cls="PageRenderer", dms=[("ScaleUpFrontEnd", scale)], selector=amino.selector(tier="server"))
    render = [amino.call("render", int(mops))]
    sc.client("base", node="c0", target="web", calls=render, rate=base_rate, start=0.2, timeout=TIMEOUT_S)
    for i, (start, end) in enumerate(BURSTS):
        a, b = start * duration / 40.0, end * duration / 40.0
        sc.client(f"burst{i + 1}", node=f"c{i + 1}", target="web", calls=render, rate=burst_rate, start=a,
                  count=max(1, int(burst_rate * (b - a))), timeout=TIMEOUT_S)
    return sc


# ---------------------------------------------------------------- analysis

def replica_steps(res, initial):
    """[(time s, replicas)] of one run: `initial` at 0, then each scale.replicas probe."""
    steps = [(0.0, int(initial))]
    for p in res.probes:
        if p["kind"] == "scale.replicas":
            steps.append((p["time"] / 1e9, int(p["fields"]["replicas"])))
    return steps


def timeline(res, initial, duration, bin_s=BIN_S):
    """One row per bin of `bin_s` s: the replicas at the bin's end, the calls started in it (offered,
    ok, refused as overloaded, other failures) and the latency of its successful calls."""
    steps = replica_steps(res, initial)
    rows = []
    for k in range(int(round(duration / bin_s))):
        t0, t1 = k * bin_s, (k + 1) * bin_s
        calls = [r for r in res.records if t0 <= r["start"] < t1]
        lat = sorted(r["latency"] * 1e3 for r in calls if r["outcome"] == "OK")
        rows.append({"t": round(t1, 6), "replicas": [n for t, n in steps if t <= t1][-1], "offered": len(calls),
                     "ok": len(lat), "overloaded": sum(1 for r in calls if r["outcome"] == "OVERLOADED"),
                     "failed": sum(1 for r in calls if r["outcome"] not in ("OK", "OVERLOADED")),
                     "median_ms": round(statistics.median(lat), 3) if lat else "",
                     "p95_ms": round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 3) if lat else ""})
    return rows


def reproduce(out_dir, processes=2, seed=1):
    """One run with the default parameters: timeline.csv (per BIN_S s), runs.csv (its trace hash and
    replay command) and replicas_latency.png."""
    os.makedirs(out_dir, exist_ok=True)
    (res,) = amino.sweep(build, seeds=[seed], processes=1)
    if not res.ok:
        print("run failed:", res.params, res.seed, res.errors[:3])
    report.write_csv(timeline(res, PARAMS["min_replicas"], PARAMS["duration"]), os.path.join(out_dir, "timeline.csv"))
    # Replay command relative to the repository root: the files are committed (results/README.md).
    report.write_csv([{"seed": seed, "ok": res.ok, "calls": len(res.records), "trace_hash": res.trace_hash,
                       "replay": amino.replay_command(res.scenario, relative=True)}], os.path.join(out_dir, "runs.csv"))
    plot(out_dir)


# ---------------------------------------------------------------- figures (amino/figures.py: conventions)

def replicas_latency_figure(out_dir):
    """Replicas over time (step, left) above the latency of the calls started in each bin (median
    and p95) and the share refused as overloaded (timeline.csv)."""
    path = os.path.join(out_dir, "timeline.csv")
    rows = report.read_csv(path)
    ts = [r["t"] for r in rows]
    fig, axes = figures.new_figure(2, 1, figsize=(9, 5.5), sharex=True)
    top, bottom = axes[0][0], axes[1][0]
    reps = [r["replicas"] for r in rows]
    top.step([0.0] + ts, [reps[0]] + reps, where="pre", color="tab:blue", label="replicas (end of each bin)",
             gid="replicas")
    top.set_ylim(0, max(reps) + 1)
    top.set_ylabel("replicas")
    load = top.twinx()
    offered = [r["offered"] / BIN_S for r in rows]
    load.plot(ts, offered, color="0.5", linewidth=1, label="offered calls/s", gid="offered")
    load.set_ylim(0, max(offered + [1.0]) * 1.15)
    load.set_ylabel("calls/s started")
    h1, l1 = top.get_legend_handles_labels()
    h2, l2 = load.get_legend_handles_labels()
    top.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper right")
    top.set_title("ScaleUpFrontEnd under bursts: replicas follow the load", fontsize=10)
    med = [(r["t"], r["median_ms"]) for r in rows if r["median_ms"] != ""]
    p95 = [(r["t"], r["p95_ms"]) for r in rows if r["p95_ms"] != ""]
    lat_top = figures.log_headroom(max([v for _, v in p95] + [1.0]), decades=0.3)
    bottom.plot([t for t, _ in med], [v for _, v in med], color="tab:green", label="median latency", gid="median")
    bottom.plot([t for t, _ in p95], [v for _, v in p95], color="tab:red", linestyle="--", label="p95 latency",
                gid="p95")
    figures.latency_axis(bottom, lat_top)
    bottom.set_ylabel("latency (ms) of ok calls")
    refused = bottom.twinx()
    share = [100.0 * r["overloaded"] / r["offered"] if r["offered"] else 0.0 for r in rows]
    refused.plot(ts, share, color="0.4", linewidth=0.8, linestyle=":", label="% refused (overloaded)", gid="refused")
    refused.set_ylim(0, 100)
    refused.set_ylabel("% refused")
    h1, l1 = bottom.get_legend_handles_labels()
    h2, l2 = refused.get_legend_handles_labels()
    bottom.legend(h1 + h2, l1 + l2, fontsize=8, loc="upper right")
    bottom.set_xlabel(f"time (s): calls binned by start, {BIN_S:g} s bins")
    bottom.set_xlim(0, ts[-1])
    figures.cite(fig, path, __file__)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


# file name in out_dir -> the function drawing it from out_dir's CSVs (reproduce and the notebook)
FIGURES = {"replicas_latency.png": replicas_latency_figure}


def plot(out_dir):
    """Saves every figure of FIGURES into out_dir, drawn from the CSVs there."""
    for name, draw in FIGURES.items():
        figures.save(draw(out_dir), os.path.join(out_dir, name))
