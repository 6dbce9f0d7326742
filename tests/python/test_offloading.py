"""Code offloading: the calibration reaches Python from calibration.h itself, the simulated local
runs match its predictions, and offloading helps the slow device on a fast network but not a fast
device on 3G (shape, in simulated time)."""
import pytest

import amino
from amino import catalog

WORKLOADS = ("Physics", "Sudoku", "Calculus", "ChessAI", "Regression", "OCR")


def test_calibration_is_exposed():
    cal = amino.offload_calibration()
    assert set(cal["workloads"]) == set(WORKLOADS)
    for w in WORKLOADS:  # phone Base times are fitted exactly (CALIBRATION.md §2)
        c = cal["workloads"][w]
        assert c["predicted_local_ms"]["phone"] == pytest.approx(c["paper_base_ms"]["phone"], rel=1e-9)
    assert cal["tablet_speed"] > cal["phone_speed"] and cal["server_speed"] > cal["tablet_speed"]
    assert len(amino.paper_request("Physics")) == 3608


@pytest.fixture(scope="module")
def runs():
    mod = catalog.load("code_offloading")
    res = amino.sweep(lambda seed, device, network, mode: mod.build(seed, device, network, mode, calls=4),
                      params={"device": ["phone", "tablet"], "network": ["wifi", "3g"], "mode": ["local", "explicit"]},
                      progress=False)
    assert all(r.ok for r in res), [r.errors for r in res]
    return mod, {(r.params["device"], r.params["network"], r.params["mode"]): r for r in res}


def test_local_runs_take_the_calibrated_time(runs):
    mod, by = runs
    cal = amino.offload_calibration()
    for device in ("phone", "tablet"):
        for w in WORKLOADS:
            got = mod.steady_median_ms(by[(device, "wifi", "local")], cal["workloads"][w]["method"])
            assert got == pytest.approx(cal["workloads"][w]["predicted_local_ms"][device], rel=0.02)


def test_offloading_shape(runs):
    mod, by = runs
    phys = "run_physics"
    # The phone is slow: offloading Physics over WiFi beats running it locally.
    assert mod.steady_median_ms(by[("phone", "wifi", "explicit")], phys) < mod.steady_median_ms(by[("phone", "wifi", "local")], phys)
    # The tablet on 3G: ChessAI locally (tens of ms) beats hundreds of ms of 3G round trips.
    chess = "run_chess"
    assert mod.steady_median_ms(by[("tablet", "3g", "local")], chess) < mod.steady_median_ms(by[("tablet", "3g", "explicit")], chess)
    # 3G costs more than WiFi for the same offloaded call.
    assert mod.steady_median_ms(by[("phone", "3g", "explicit")], phys) > mod.steady_median_ms(by[("phone", "wifi", "explicit")], phys)
