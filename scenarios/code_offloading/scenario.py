"""Code offloading (Sapphire OSDI'14 §4 / Amino.Run design doc, reference sapphire.md §4): a phone
and a tablet, each over WiFi and over 3G, run six workloads (Physics, Sudoku, Calculus, ChessAI,
Regression, OCR) of the OffloadService microservice either locally (KeepInPlace on the device),
offloaded by ExplicitCodeOffloading (every method marked), or by CodeOffloading (per call, the side
that measured faster).

Every number comes from scenarios/code_offloading/calibration.h (model v1) or mechanisms.h (model
v2) through amino.offload_calibration() (the C++ constants themselves, not a copy): device speeds,
the fitted uplink latency of each (device, network), the WiFi/3G bandwidths, the server core, and
for v2 the platform mechanisms (device serialization CPU per byte, split up/down access links, TCP
set-up/slow start/idle restart, the 3G radio's RRC promotions). CALIBRATION.md gives the
derivation; its predictions (predicted_local_ms / predicted_offloaded_ms) are what the simulation
should reproduce, and the tables put them side by side.

`model` selects v1 (the default, so the scenario's own run and trace hash are unchanged) or v2;
`variant` names a set of v2 parameter overrides (VARIANTS: one mechanism switched off, or one
parameter at an end of its plausible range). reproduce() writes both models' tables, each
mechanism's contribution and the sensitivity table.
"""
import os
import statistics

import amino
from amino import figures, report

DESCRIPTION = "phone/tablet over WiFi/3G: six workloads local vs ExplicitCodeOffloading vs CodeOffloading"
PARAMS = {"device": "phone", "network": "wifi", "mode": "local", "calls": 12, "model": "v1", "variant": "base"}
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


MODELS = ("v1", "v2")
# Model v2 parameter overrides (mechanisms.h MechanismParams; CALIBRATION.md §9 cites each range).
MECHANISMS = ("serialization", "asymmetric", "tcp", "radio")
VARIANTS = {
    "base": {},
    # each mechanism switched off in turn (the links refitted on the Physics bars without it)
    **{f"no_{m}": {m: False} for m in MECHANISMS},
    # sensitivity: each assumed parameter at the ends of its plausible range
    "serialization_x0.5": {"serialization_scale": 0.5},
    "serialization_x1.5": {"serialization_scale": 1.5},
    "3g_up_0.3Mbps": {"g3_up": 3.75e4},
    "3g_up_1Mbps": {"g3_up": 1.25e5},
    "3g_down_0.6Mbps": {"g3_down": 7.5e4},
    "3g_down_2Mbps": {"g3_down": 2.5e5},
    "wifi_up_5Mbps": {"wifi_up": 6.25e5},
    "wifi_up_20Mbps": {"wifi_up": 2.5e6},
    "wifi_down_10Mbps": {"wifi_down": 1.25e6},
    "wifi_down_40Mbps": {"wifi_down": 5e6},
    "tcp_iw3": {"initial_window": 3},
    "tcp_rto_min_1s": {"rto_min_ms": 1000},
    "rrc_promotion_x0.5": {"idle_promotion_ms": 1000, "fach_promotion_ms": 750},
    "rrc_promotion_x1.5": {"idle_promotion_ms": 3000, "fach_promotion_ms": 2250},
    "rrc_tails_x0.5": {"dch_tail_ms": 2500, "fach_tail_ms": 6000},
    "rrc_tails_x2": {"dch_tail_ms": 10000, "fach_tail_ms": 24000},
}
SENSITIVITY = tuple(v for v in VARIANTS if v != "base" and not v.startswith("no_"))


def calibration(model="v1", variant="base"):
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r} (one of {', '.join(MODELS)})")
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r} (one of {', '.join(VARIANTS)})")
    if model == "v1":
        if variant != "base":
            raise ValueError("variants are parameter sets of model v2")
        return amino.offload_calibration()
    return amino.offload_calibration("v2", **VARIANTS[variant])


def platform(sc, device, network, cal=None):
    """The device (calibrated core speed, fitted uplink latency, bandwidths; for model v2 also its
    serialization CPU, split link, TCP and 3G radio) and the server."""
    cal = cal or calibration()
    cloud, dev = {}, {}
    if cal["model"] == "v2":
        if cal["tcp"]:
            cloud["tcp"] = dev["tcp"] = cal["tcp"]
        if cal["uplink_bandwidth"][network] != cal["bandwidth"][network]:
            dev["downlink_bandwidth"] = cal["bandwidth"][network]
        if cal["serialization_ops_per_byte"] > 0:
            dev["serialization_ops_per_byte"] = cal["serialization_ops_per_byte"]
        if network == "3g" and cal["radio_3g"]:
            dev["radio"] = cal["radio_3g"]
    up = cal["uplink_bandwidth"][network] if cal["model"] == "v2" else cal["bandwidth"][network]
    sc.host("cloud", region="cloud", speed=cal["server_speed"], labels={"tier": "cloud"},
            uplink_latency=cal["server_uplink_latency_ms"] / 1e3, uplink_bandwidth=cal["server_uplink_bandwidth"], **cloud)
    sc.host("device", region="device", speed=cal[f"{device}_speed"], labels={"role": "client"},
            uplink_latency=cal["device_uplink_latency_ms"][device][network] / 1e3, uplink_bandwidth=up, **dev)
    return sc


def build(seed=1, device="phone", network="wifi", mode="local", calls=12, model="v1", variant="base"):
    if mode not in MODE_DMS:
        raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")
    cal = calibration(model, variant)
    sc = platform(amino.Scenario(seed=seed, duration=120.0), device, network, cal)
    sc.deploy("svc", on="device", cls="OffloadService", dms=MODE_DMS[mode])
    sequence = []
    for w in WORKLOADS:
        request = amino.paper_request(w, seed)
        sequence += [amino.call(cal["workloads"][w]["method"], request)] * int(calls)
    sc.client("app", node="device", target="svc", calls=sequence, count=len(sequence), think=0.05, timeout=20.0)
    sc.max_value_chars = 0  # results are encoded bytes; keep only latency and outcome
    params = {"device": device, "network": network, "mode": mode, "calls": calls}
    if model != "v1" or variant != "base":  # the v1 replay command stays as it was
        params.update(model=model, variant=variant)
    sc.origin = {"name": "code_offloading", "params": params}
    return sc


def steady_median_ms(res, method, skip=2):
    """Median latency (ms) of a method's OK calls after the first `skip` (stub lookup, state push,
    CodeOffloading's first probe of each side)."""
    lat = [r["latency"] * 1e3 for r in res.select(method=method) if r["outcome"] == "OK"][skip:]
    return statistics.median(lat) if lat else float("nan")


def _key(r):
    return (r.params.get("model", "v1"), r.params.get("variant", "base"), r.params["device"], r.params["network"],
            r.params["mode"])


def table(results, model="v1", variant="base"):
    """One row per (device, network, workload): local/explicit/auto measured vs calibration."""
    cal = calibration(model, variant)
    by_key = {_key(r): r for r in results if r.seed == 1}
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
                    res = by_key.get((model, variant, device, network, mode))
                    row[f"{mode}_ms"] = round(steady_median_ms(res, m), 1) if res else None
                rows.append(row)
    return rows


def _explicit_ms(by_key, variant, device, network, method):
    res = by_key.get(("v2", variant, device, network, "explicit"))
    return round(steady_median_ms(res, method), 1) if res else None


def contributions(results):
    """Model v2's simulated offloaded time (ExplicitCodeOffloading, steady-state median) with every
    mechanism on, and with each switched off in turn (links refitted on Physics without it): the
    mechanism's contribution is on - off."""
    cal = calibration("v2")
    by_key = {_key(r): r for r in results if r.seed == 1}
    rows = []
    for device in DEVICES:
        for network in NETWORKS:
            for w in WORKLOADS:
                m = cal["workloads"][w]["method"]
                on = _explicit_ms(by_key, "base", device, network, m)
                row = {"device": device, "network": network, "workload": w, "v2_ms": on}
                for mech in MECHANISMS:
                    off = _explicit_ms(by_key, f"no_{mech}", device, network, m)
                    row[f"without_{mech}_ms"] = off
                    row[f"{mech}_contribution_ms"] = None if on is None or off is None else round(on - off, 1)
                rows.append(row)
    return rows


def sensitivity(results):
    """Each assumed parameter at the ends of its plausible range (VARIANTS): the simulated offloaded
    time's change from model v2's base, per (device, network) and workload, and whether the Physics
    fit stays feasible (every fitted latency >= 0)."""
    base_cal = calibration("v2")
    by_key = {_key(r): r for r in results if r.seed == 1}
    rows = []
    for variant in SENSITIVITY:
        cal = calibration("v2", variant)
        for device in DEVICES:
            for network in NETWORKS:
                row = {"variant": variant, "params": " ".join(f"{k}={v:g}" for k, v in VARIANTS[variant].items()),
                       "feasible": cal["feasible"], "device": device, "network": network,
                       "fitted_latency_ms": round(cal["fitted_latency_ms"][device][network], 2)}
                for w in WORKLOADS:
                    m = base_cal["workloads"][w]["method"]
                    base = _explicit_ms(by_key, "base", device, network, m)
                    got = _explicit_ms(by_key, variant, device, network, m)
                    row[f"{w}_delta_ms"] = None if base is None or got is None else round(got - base, 1)
                base = first_call_ms(by_key.get(("v2", "base", device, network, "explicit")))
                got = first_call_ms(by_key.get(("v2", variant, device, network, "explicit")))
                row["first_call_delta_ms"] = None if base is None or got is None else round(got - base, 1)
                rows.append(row)
    return rows


def first_call_ms(res):
    """Latency (ms) of the run's very first call (Physics): cold connection, radio idle since boot
    unless the kernel's heartbeats woke it, stub lookup and the object's first move."""
    lat = sorted((r["start"], r["latency"] * 1e3) for r in res.records if r["outcome"] == "OK") if res else []
    return round(lat[0][1], 1) if lat else None


def cold_start(results):
    """The first call of each v2 run with every mechanism on and with each switched off: where TCP
    set-up/slow start and the radio's promotion show (the steady state hides them)."""
    by_key = {_key(r): r for r in results if r.seed == 1}
    rows = []
    for device in DEVICES:
        for network in NETWORKS:
            row = {"device": device, "network": network,
                   "v2_first_call_ms": first_call_ms(by_key.get(("v2", "base", device, network, "explicit")))}
            for mech in MECHANISMS:
                row[f"without_{mech}_ms"] = first_call_ms(by_key.get(("v2", f"no_{mech}", device, network, "explicit")))
            rows.append(row)
    return rows


def _write(rows, out_dir, stem):
    report.write_csv(rows, os.path.join(out_dir, stem + ".csv"))
    with open(os.path.join(out_dir, stem + ".md"), "w") as f:
        f.write(report.markdown(rows))


def sweep_v2(variants, modes, processes=2, calls=12):
    """Model v2 runs: 2 devices x 2 networks x `modes` x `variants` (seed 1)."""
    return amino.sweep(build, seeds=(1,), processes=processes,
                       params={"device": list(DEVICES), "network": list(NETWORKS), "mode": list(modes),
                               "calls": [calls], "model": ["v2"], "variant": list(variants)})


def reproduce(out_dir, processes=2):
    """Model v1 and v2, 2 devices x 2 networks x 3 modes (seed 1), plus v2 with each mechanism off
    and each parameter at its range's ends (ExplicitCodeOffloading only): the tables
    (offloading_table = v2, offloading_table_v1 = v1, mechanism_contributions, cold_start,
    sensitivity) and the figure."""
    v1 = amino.sweep(build, seeds=(1,), processes=processes,
                     params={"device": list(DEVICES), "network": list(NETWORKS), "mode": list(MODES)})
    v2 = sweep_v2(["base"], MODES, processes)
    variants = sweep_v2([v for v in VARIANTS if v != "base"], ["explicit"], processes)
    for r in v1 + v2 + variants:
        if not r.ok:
            print("run failed:", r.params, r.errors[:3])
    os.makedirs(out_dir, exist_ok=True)
    report.write_csv(report.flatten(v1), os.path.join(out_dir, "records_v1.csv"))
    report.write_csv(report.flatten(v2), os.path.join(out_dir, "records.csv"))
    _write(table(v1), out_dir, "offloading_table_v1")
    _write(table(v2, "v2"), out_dir, "offloading_table")
    _write(contributions(v2 + variants), out_dir, "mechanism_contributions")
    _write(cold_start(v2 + variants), out_dir, "cold_start")
    _write(sensitivity(v2 + variants), out_dir, "sensitivity")
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
