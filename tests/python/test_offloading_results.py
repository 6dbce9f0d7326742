"""results/code_offloading/ is what the scenario regenerates: model v2's table (simulated
ExplicitCodeOffloading and its closed-form predictions), model v1's table kept beside it, and the
predictions in the contribution and sensitivity tables. Closed-form and simulated columns alike
must be equal: a run is deterministic (test_memory_independence.py)."""
import os

import pytest

from amino import catalog, report

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS = os.path.join(REPO, "results", "code_offloading")


def committed(stem):
    return report.read_csv(os.path.join(RESULTS, stem + ".csv"))


@pytest.fixture(scope="module")
def mod():
    return catalog.load("code_offloading")


@pytest.fixture(scope="module")
def v2_runs(mod):
    res = mod.sweep_v2(["base"], ["explicit"], processes=2)
    assert all(r.ok for r in res), [r.errors[:3] for r in res]
    return res


def _by_row(rows):
    return {(r["device"], r["network"], r["workload"]): r for r in rows}


def test_v2_table_is_the_committed_one(mod, v2_runs):
    fresh = _by_row(mod.table(v2_runs, "v2"))
    table = committed("offloading_table")
    assert len(table) == len(fresh) == 24
    for row in table:
        got = fresh[(row["device"], row["network"], row["workload"])]
        for col in ("paper_base_ms", "predicted_local_ms", "predicted_offloaded_ms", "explicit_ms"):
            assert got[col] == pytest.approx(row[col], abs=1e-9), (row, col)
    # The in-sample Physics bars are reproduced by the simulation within the RPC framing (2.5 %, as for v1).
    for row in table:
        if row["workload"] == "Physics":
            assert row["explicit_ms"] == pytest.approx(row["predicted_offloaded_ms"], rel=0.025), row


def test_v1_table_is_kept_beside_it_with_v1_predictions(mod):
    cal = mod.calibration("v1")
    rows = committed("offloading_table_v1")
    assert len(rows) == 24
    for row in rows:
        pred = cal["workloads"][row["workload"]]["predicted_offloaded_ms"][row["device"]][row["network"]]
        assert row["predicted_offloaded_ms"] == round(pred, 1)


def test_contribution_and_sensitivity_tables_match_their_variants(mod):
    contrib = committed("mechanism_contributions")
    assert len(contrib) == 24
    for row in contrib:
        for mech in mod.MECHANISMS:
            assert row[f"{mech}_contribution_ms"] == pytest.approx(row["v2_ms"] - row[f"without_{mech}_ms"], abs=0.051)
    sens = committed("sensitivity")
    assert {r["variant"] for r in sens} == set(mod.SENSITIVITY)
    for row in sens:
        cal = mod.calibration("v2", row["variant"])
        assert str(row["feasible"]) == str(cal["feasible"])
        assert row["fitted_latency_ms"] == round(cal["fitted_latency_ms"][row["device"]][row["network"]], 2)
