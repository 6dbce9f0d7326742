"""Code offloading (Sapphire OSDI'14 §4 / Amino.Run design doc, reference sapphire.md §4): a phone
and a tablet, each over WiFi and over 3G, run six workloads (Physics, Sudoku, Calculus, ChessAI,
Regression, OCR) of the OffloadService microservice either locally (KeepInPlace on the device),
offloaded by ExplicitCodeOffloading (every method marked), or by CodeOffloading (per call, the side
that measured faster).

Every number comes from scenarios/code_offloading/calibration.h through amino.offload_calibration()
(the C++ constants themselves, not a copy): device speeds, the fitted uplink latency of each
(device, network), the assumed WiFi/3G bandwidths, the server core. CALIBRATION.md gives the
derivation; its predictions (predicted_local_ms / predicted_offloaded_ms) are what the simulation
should reproduce, and the tables put them side by side.
"""
import os
import statistics

import amino
from amino import figures, report

DESCRIPTION = "phone/tablet over WiFi/3G: six workloads local vs ExplicitCodeOffloading vs CodeOffloading"
PARAMS = {"device": "phone", "network": "wifi", "mode": "local", "calls": 12}
PARAM_RANGES = {"calls": (1, 10000)}  # per workload
# CPU work is charged to simulated host speeds (Env::compute); on sockets it would cost nothing.
BACKENDS = ("sim",)
DEVICES, NETWORKS, MODES = ("phone", "tablet"), ("wifi", "3g"), ("local", "explicit", "auto")
WORKLOADS = ("Physics", "Sudoku", "Calculus", "ChessAI", "Regression", "OCR")
MODE_DMS = {
    "local": ["KeepInPlace"],
    "explicit": [("ExplicitCodeOffloading", {"offloadMethods": ["*"]})],
    "auto": ["CodeOffloading"],
}


def calibration():
    return amino.offload_calibration()


def platform(sc, device, network):
    """The device (calibrated core speed, fitted uplink latency, assumed bandwidth) and the server."""
    cal = calibration()
    sc.host("cloud", region="cloud", speed=cal["server_speed"], labels={"tier": "cloud"},
            uplink_latency=cal["server_uplink_latency_ms"] / 1e3, uplink_bandwidth=cal["server_uplink_bandwidth"])
    sc.host("device", region="device", speed=cal[f"{device}_speed"], labels={"role": "client"},
            uplink_latency=cal["device_uplink_latency_ms"][device][network] / 1e3,
            uplink_bandwidth=cal["bandwidth"][network])
    return sc


def build(seed=1, device="phone", network="wifi", mode="local", calls=12):
    if mode not in MODE_DMS:
        raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")
    cal = calibration()
    sc = platform(amino.Scenario(seed=seed, duration=120.0), device, network)
    sc.deploy("svc", on="device", cls="OffloadService", dms=MODE_DMS[mode])
    sequence = []
    for w in WORKLOADS:
        request = amino.paper_request(w, seed)
        sequence += [amino.call(cal["workloads"][w]["method"], request)] * int(calls)
    sc.client("app", node="device", target="svc", calls=sequence, count=len(sequence), think=0.05, timeout=20.0)
    sc.max_value_chars = 0  # results are encoded bytes; keep only latency and outcome
    sc.origin = {"name": "code_offloading", "params": {"device": device, "network": network, "mode": mode, "calls": calls}}
    return sc


def steady_median_ms(res, method, skip=2):
    """Median latency (ms) of a method's OK calls after the first `skip` (stub lookup, state push,
    CodeOffloading's first probe of each side)."""
    lat = [r["latency"] * 1e3 for r in res.select(method=method) if r["outcome"] == "OK"][skip:]
    return statistics.median(lat) if lat else float("nan")


def table(results):
    """One row per (device, network, workload): local/explicit/auto measured vs calibration."""
    cal = calibration()
    by_key = {(r.params["device"], r.params["network"], r.params["mode"]): r for r in results if r.seed == 1}
    rows = []
    for device in DEVICES:
        for network in NETWORKS:
            for w in WORKLOADS:
                m = cal["workloads"][w]["method"]
                row = {"device": device, "network": network, "workload": w,
                       "paper_base_ms": cal["workloads"][w]["paper_base_ms"][device],
                       "predicted_local_ms": round(cal["workloads"][w]["predicted_local_ms"][device], 1),
                       "predicted_offloaded_ms": round(cal["workloads"][w]["predicted_offloaded_ms"][device][network], 1)}
                for mode in MODES:
                    res = by_key.get((device, network, mode))
                    row[f"{mode}_ms"] = round(steady_median_ms(res, m), 1) if res else None
                rows.append(row)
    return rows


def reproduce(out_dir, processes=2):
    """2 devices x 2 networks x 3 modes (seed 1); CSV/Markdown table and one figure."""
    results = amino.sweep(build, seeds=(1,), processes=processes,
                          params={"device": list(DEVICES), "network": list(NETWORKS), "mode": list(MODES)})
    for r in results:
        if not r.ok:
            print("run failed:", r.params, r.errors[:3])
    os.makedirs(out_dir, exist_ok=True)
    report.write_csv(report.flatten(results), os.path.join(out_dir, "records.csv"))
    rows = table(results)
    report.write_csv(rows, os.path.join(out_dir, "offloading_table.csv"))
    with open(os.path.join(out_dir, "offloading_table.md"), "w") as f:
        f.write(report.markdown(rows))
    plot(out_dir)


MODE_LABELS = (("local_ms", "local (KeepInPlace)"), ("explicit_ms", "ExplicitCodeOffloading"),
               ("auto_ms", "CodeOffloading"))


def offloading_figure(out_dir):
    """Median steady-state latency per workload and mode, one panel per (device, network), with the
    paper's Base time and the calibration's predicted offloaded time (offloading_table.csv). Symlog
    axis from 0 (amino/figures.py): 15 ms ... 1.2 s spans two decades, and every bar starts at 0."""
    path = os.path.join(out_dir, "offloading_table.csv")
    rows = report.read_csv(path)
    values = figures.finite([r[c] for r in rows for c in ("paper_base_ms", "predicted_offloaded_ms")
                             + tuple(col for col, _ in MODE_LABELS)])
    top = figures.log_headroom(max(values + [1.0]), decades=0.3)
    fig, axes = figures.new_figure(2, 2, figsize=(11, 7.4), sharey=True)
    width = 0.27
    for ax, (device, network) in zip(axes.flat, [(d, n) for d in DEVICES for n in NETWORKS]):
        sel = [r for r in rows if r["device"] == device and r["network"] == network]
        xs = range(len(sel))
        for k, (col, label) in enumerate(MODE_LABELS):
            figures.bars(ax, [x + (k - 1) * width for x in xs], [r[col] for r in sel], width, label, fontsize=6)
        ax.plot([x - width for x in xs], [r["paper_base_ms"] for r in sel], "_", color="k", markersize=14,
                markeredgewidth=2, linestyle="none", label="paper Base (local)")
        ax.plot(list(xs), [r["predicted_offloaded_ms"] for r in sel], "_", color="tab:red", markersize=14,
                markeredgewidth=2, linestyle="none", label="calibration: predicted offloaded")
        ax.set_xticks(list(xs), [r["workload"] for r in sel], fontsize=8)
        ax.set_title(f"{device} over {network}")
        figures.latency_axis(ax, top)
    for ax in axes[:, 0]:
        ax.set_ylabel(f"median latency (ms; linear to {figures.LINEAR_BELOW_MS:g}, then log)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, fontsize=8, ncol=len(labels), loc="lower center", bbox_to_anchor=(0.5, 0.025))
    fig.suptitle("Code offloading: local vs offloaded, simulated with the calibration of CALIBRATION.md")
    figures.cite(fig, path, __file__)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    return fig


# file name in out_dir -> the function drawing it from out_dir's CSVs (reproduce and the notebook)
FIGURES = {"offloading.png": offloading_figure}


def plot(out_dir):
    """Saves every figure of FIGURES into out_dir, drawn from the CSVs there."""
    for name, draw in FIGURES.items():
        figures.save(draw(out_dir), os.path.join(out_dir, name))
