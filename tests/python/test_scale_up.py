"""The issue-11 scale-up check: under the overload of scenarios/scale_up (staggered open-loop bursts
in SimGrid), ScaleUpFrontEnd adds replicas while the bursts last and removes them afterwards, never
leaving [minReplicas, maxReplicas]; and the committed results/scale_up/ are what this code gives
(same trace hash, same timeline)."""
import os

import amino
from amino import catalog, report

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "results", "scale_up")


def _run():
    return amino.run(catalog.load("scale_up").build())


def test_replicas_follow_the_bursts_within_the_configured_bounds():
    scale = catalog.load("scale_up")
    res = _run()
    assert res.ok, res.errors[:3]
    p = scale.PARAMS
    steps = scale.replica_steps(res, p["min_replicas"])
    counts = [n for _, n in steps]
    assert all(p["min_replicas"] <= n <= p["max_replicas"] for n in counts), steps
    (b_start, _), (_, b_end) = scale.BURSTS[0], scale.BURSTS[-1]
    during = [n for t, n in steps if b_start <= t <= b_end]
    assert during and max(during) > p["min_replicas"], f"no replica added during the bursts: {steps}"
    assert counts[-1] == p["min_replicas"], f"not back to minReplicas after the bursts: {steps}"
    assert steps[-1][0] > b_end, steps
    before = [n for t, n in steps if t < b_start]
    assert max(before) == p["min_replicas"], f"scaled up before any burst: {steps}"
    # The added replicas did their share: most calls of the bursts were served, not refused.
    burst_calls = [r for r in res.records if r["client"].startswith("burst")]
    assert sum(r["outcome"] == "OK" for r in burst_calls) > 0.9 * len(burst_calls)


def test_committed_results_are_what_the_scenario_gives():
    scale = catalog.load("scale_up")
    res = _run()
    (run,) = report.read_csv(os.path.join(OUT, "runs.csv"))
    assert run["trace_hash"] == res.trace_hash
    committed = report.read_csv(os.path.join(OUT, "timeline.csv"))
    fresh = scale.timeline(res, scale.PARAMS["min_replicas"], scale.PARAMS["duration"])
    assert len(committed) == len(fresh)
    for c, f in zip(committed, fresh):
        assert (c["t"], c["replicas"], c["offered"], c["ok"], c["overloaded"]) == \
               (f["t"], f["replicas"], f["offered"], f["ok"], f["overloaded"])
