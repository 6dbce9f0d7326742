"""Figures people can trust (issue 13): every figure function of the scenarios (their FIGURES) is
drawn on Agg from the committed results/ and from a small synthetic data set (zeros, values below
the old 0.01 ms clamp and near the old log floor, a missing median, failed calls), then checked
from its artists, not its pixels: every plotted point lies inside its axes' limits, every 0 is drawn
and labelled, nothing is clamped (the points drawn are the data), the data file is cited by
repository path, and the partition timeline has every deployment of the data."""
import functools
import math
import os

import pytest

from amino import catalog, figures, report

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RESULTS = os.path.join(REPO, "results")
SCENARIOS = ("multiplayer_game", "code_offloading", "scale_up")
FIGURE_FUNCTIONS = [(name, fig) for name in SCENARIOS for fig in catalog.load(name).FIGURES]


# ---------------------------------------------------------------- checks on artists

def _kind(ax, transform):
    """Which coordinates of an artist are data coordinates: "xy", "x", "y" or None."""
    if transform == ax.transData:
        return "xy"
    if transform == ax.get_xaxis_transform():
        return "x"  # e.g. axvspan: x in data, y in axes fraction
    if transform == ax.get_yaxis_transform():
        return "y"
    return None


def data_points(ax):
    """(artist, kind, [(x, y), ...]) for every line, marker set, patch and collection of ax, in the
    coordinates its transform puts in data space."""
    for line in ax.lines:
        yield line, _kind(ax, line.get_transform()), [tuple(p) for p in line.get_xydata()]
    for patch in ax.patches:
        verts = patch.get_patch_transform().transform(patch.get_path().vertices)
        yield patch, _kind(ax, patch.get_data_transform()), [tuple(p) for p in verts]
    for coll in ax.collections:
        yield coll, _kind(ax, coll.get_offset_transform()), [tuple(p) for p in coll.get_offsets()]


def points_outside(fig):
    """Every data point of every axes of fig that lies outside the axes' limits (must be empty)."""
    bad = []
    for ax in fig.axes:
        lims = {"x": sorted(ax.get_xlim()), "y": sorted(ax.get_ylim())}
        for artist, kind, points in data_points(ax):
            for x, y in points:
                for axis, v in (("x", x), ("y", y)):
                    if kind is None or axis not in kind or (isinstance(v, float) and math.isnan(v)):
                        continue
                    lo, hi = lims[axis]
                    tol = 1e-9 * (hi - lo)
                    if not lo - tol <= v <= hi + tol:
                        bad.append((ax.get_title(), type(artist).__name__, artist.get_label(), axis, v, (lo, hi)))
    return bad


def tick_labels(ax, axis):
    """{tick value: label text} of the visible ticks (after a draw)."""
    ticks = ax.get_yticks() if axis == "y" else ax.get_xticks()
    labels = ax.get_yticklabels() if axis == "y" else ax.get_xticklabels()
    lo, hi = sorted(ax.get_ylim() if axis == "y" else ax.get_xlim())
    return {t: l.get_text() for t, l in zip(ticks, labels) if lo <= t <= hi}


def unlabelled_zeros(fig):
    """Zeros that are not drawn and labelled (must be empty): a bar of height 0 needs a marker at
    (its centre, 0) and a "0" text there, and every other bar its value as text; points on a
    latency (symlog) axis need a tick at 0 labelled "0" when some are at 0; no log axis at all (it
    cannot show 0). Linear axes show 0 as matplotlib draws them."""
    bad = []
    for ax in fig.axes:
        texts = [(t.get_text(), tuple(getattr(t, "xy", t.get_position()))) for t in ax.texts]
        markers = [tuple(p) for line in ax.lines for p in line.get_xydata()]
        for container in ax.containers:
            for bar in container.patches:
                centre, height = bar.get_x() + bar.get_width() / 2, bar.get_height()
                label = figures.value_label(height)
                if not any(t == label and math.isclose(xy[0], centre) and math.isclose(xy[1], height)
                           for t, xy in texts):
                    bad.append((ax.get_title(), "bar without its value label", centre, height))
                if height == 0 and not any(math.isclose(x, centre) and y == 0 for x, y in markers):
                    bad.append((ax.get_title(), "zero bar without a marker", centre))
        for line in ax.lines:
            if line.get_label() == "_zero" or _kind(ax, line.get_transform()) != "xy":
                continue  # the bar markers above
            xy = line.get_xydata()
            for axis, values in (("x", xy[:, 0]), ("y", xy[:, 1])):
                scale = ax.get_yscale() if axis == "y" else ax.get_xscale()
                if scale == "log":
                    bad.append((ax.get_title(), f"log scale on {axis}: a 0 cannot be drawn"))
                elif scale == "symlog" and any(v == 0 for v in values) and tick_labels(ax, axis).get(0.0) != "0":
                    bad.append((ax.get_title(), line.get_label(), f"points at {axis} = 0 but no tick '0'"))
    return bad


def citations(fig):
    return [t.get_text() for t in fig.texts if t.get_text().startswith("source: ")]


@functools.lru_cache(maxsize=None)  # the tests only read the figures: draw each once
def draw(scenario, name, out_dir):
    fig = catalog.load(scenario).FIGURES[name](out_dir)
    fig.canvas.draw()  # Agg: lays out ticks and labels as the saved PNG has them
    return fig


# ---------------------------------------------------------------- synthetic data

# Values that broke the old figures: exact zeros (clamped to 0.01 ms on a log axis, or invisible
# bars), values below that clamp, values near the old log floor (17.4 and 15.9 ms vanished), a
# median that does not exist (no successful call), a failed call at its 2 s timeout.
TABLE_MEDIANS = {("player1", "read"): [20.7, 0.0, 0.0, 0.004, None],
                 ("player1", "write"): [20.1, 0.0, 626.2, 20.1, 40.3],
                 ("player2", "read"): [212.8, 232.8, 0.0, 0.0, 17.4],
                 ("player2", "write"): [200.8, None, 626.2, 200.8, 15.9]}
RECORD_LATENCIES_S = [0.0, 0.000004, 0.0159, 0.0174, 0.626, 2.0]


def synthetic(tmp_path):
    game = catalog.load("multiplayer_game")
    table = [{"deployment": d, "partition": p, "player": player, "op": op, "calls": 10, "failed": 0,
              "median_ms": medians[i], "mean_ms": medians[i], "p95_ms": medians[i]}
             for p in (False, True) for (player, op), medians in TABLE_MEDIANS.items()
             for i, d in enumerate(game.DEPLOYMENTS)]
    records = []
    for d in game.DEPLOYMENTS:
        for p in (False, True):
            for client, node in game.PLAYERS.items():
                for method in ("read", "move"):
                    for k, lat in enumerate(RECORD_LATENCIES_S):
                        records.append({"deployment": d, "partition": p, "seed": 1, "client": client, "node": node,
                                        "microservice": "board", "method": method, "start": 2.5 + 4 * k,
                                        "latency": lat, "outcome": "TIMEOUT" if lat == 2.0 else "OK", "error": ""})
    report.write_csv(table, str(tmp_path / "multiplayer_game" / "latency_table.csv"))
    report.write_csv(records, str(tmp_path / "multiplayer_game" / "records.csv"))
    off = catalog.load("code_offloading")
    values = [0.0, 15.9, 17.4, None, 1190.0, 0.004]
    rows = [{"device": dev, "network": net, "workload": w, "paper_base_ms": 30.0, "predicted_local_ms": 30.0,
             "predicted_offloaded_ms": 15.8, "local_ms": values[i], "explicit_ms": values[-1 - i], "auto_ms": 17.4}
            for dev in off.DEVICES for net in off.NETWORKS for i, w in enumerate(off.WORKLOADS)]
    report.write_csv(rows, str(tmp_path / "code_offloading" / "offloading_table.csv"))
    # A bin with no call, one where every call was refused (no latency), zero latencies.
    bins = [(0, 0, 0, "", ""), (5, 5, 0, 0.0, 0.0), (20, 0, 20, "", ""), (30, 28, 2, 0.004, 2000.0), (10, 10, 0, 17.4, 17.4)]
    timeline = [{"t": 0.5 * (k + 1), "replicas": 1 + k % 3, "offered": n, "ok": ok, "overloaded": over, "failed": 0,
                 "median_ms": med, "p95_ms": p95} for k, (n, ok, over, med, p95) in enumerate(bins)]
    report.write_csv(timeline, str(tmp_path / "scale_up" / "timeline.csv"))
    return tmp_path


@pytest.fixture(scope="module")
def synthetic_dir(tmp_path_factory):
    return synthetic(tmp_path_factory.mktemp("figures"))


# ---------------------------------------------------------------- tests

@pytest.mark.parametrize("scenario,name", FIGURE_FUNCTIONS)
def test_committed_figure_keeps_every_point_inside_its_axes(scenario, name):
    fig = draw(scenario, name, os.path.join(RESULTS, scenario))
    assert points_outside(fig) == []
    assert unlabelled_zeros(fig) == []


@pytest.mark.parametrize("scenario,name", FIGURE_FUNCTIONS)
def test_synthetic_figure_keeps_every_point_inside_its_axes(scenario, name, synthetic_dir):
    fig = draw(scenario, name, str(synthetic_dir / scenario))
    assert points_outside(fig) == []
    assert unlabelled_zeros(fig) == []


@pytest.mark.parametrize("scenario,name", FIGURE_FUNCTIONS)
def test_figure_cites_its_data_file_by_repository_path(scenario, name):
    fig = draw(scenario, name, os.path.join(RESULTS, scenario))
    cited = citations(fig)
    assert len(cited) == 1 and cited[0].startswith(f"source: results/{scenario}/"), cited
    data_file = cited[0].split()[1]
    assert os.path.isfile(os.path.join(REPO, data_file)), data_file
    assert f"scenarios/{scenario}/scenario.py" in cited[0]


def test_committed_figures_are_the_ones_reproduce_draws():
    for scenario in SCENARIOS:
        for name in catalog.load(scenario).FIGURES:
            assert os.path.isfile(os.path.join(RESULTS, scenario, name)), name
    assert "latency_cdf.png" in catalog.load("multiplayer_game").FIGURES


def test_zero_bars_are_drawn_with_a_marker_and_a_0_and_missing_ones_say_na(synthetic_dir):
    fig = draw("multiplayer_game", "latency_by_deployment.png", str(synthetic_dir / "multiplayer_game"))
    ax = fig.axes[0]
    heights = [b.get_height() for c in ax.containers for b in c.patches]
    assert heights.count(0.0) == 5 and 0.004 in heights  # none dropped, none rounded up
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("0") == 5 and texts.count("n/a") == 2 and "0.004" in texts
    fig = draw("code_offloading", "offloading.png", str(synthetic_dir / "code_offloading"))
    for ax in fig.axes:
        heights = sorted(b.get_height() for c in ax.containers for b in c.patches)
        assert heights[:4] == [0.0, 0.0, 0.004, 0.004] and 15.9 in heights and 17.4 in heights
        assert [t.get_text() for t in ax.texts].count("n/a") == 2


def _timeline_points(fig):
    """{deployment: sorted [(start s, latency ms)]} drawn on the partition timeline."""
    drawn = {}
    for ax in fig.axes:
        for line in ax.lines:
            if line.get_gid():
                drawn.setdefault(line.get_gid().split("/")[0], []).extend(
                    (round(x, 9), round(y, 9)) for x, y in line.get_xydata())
    return {d: sorted(p) for d, p in drawn.items()}


def _timeline_records(out_dir):
    rows = [r for r in report.read_csv(os.path.join(out_dir, "records.csv"))
            if str(r["partition"]) == "True" and r["seed"] == 1]
    want = {}
    for r in rows:
        want.setdefault(r["deployment"], []).append((round(r["start"], 9), round(r["latency"] * 1e3, 9)))
    return {d: sorted(p) for d, p in want.items()}


@pytest.mark.parametrize("source", ["committed", "synthetic"])
def test_partition_timeline_has_every_deployment_and_every_call_unclamped(source, synthetic_dir):
    out = str(synthetic_dir / "multiplayer_game") if source == "synthetic" else os.path.join(RESULTS, "multiplayer_game")
    fig = draw("multiplayer_game", "partition_timeline.png", out)
    want = _timeline_records(out)
    assert "replicated" in want and set(want) == set(catalog.load("multiplayer_game").DEPLOYMENTS)
    titles = [ax.get_title() for ax in fig.axes]
    for d in want:
        assert any(t.startswith(f"board: {d} ") for t in titles), (d, titles)
    assert _timeline_points(fig) == want  # zeros at 0, failures at their timeout: nothing clamped
    if source == "synthetic":
        assert any(p == (2.5, 0.0) for p in want["replicated"]) and any(p[1] == 0.004 for p in want["replicated"])


def test_latency_cdf_has_a_curve_per_deployment_from_0(synthetic_dir):
    game = catalog.load("multiplayer_game")
    fig = draw("multiplayer_game", "latency_cdf.png", os.path.join(RESULTS, "multiplayer_game"))
    for ax in fig.axes:
        curves = {line.get_gid().split("/")[0]: line for line in ax.lines if line.get_gid()}
        assert set(curves) == set(game.DEPLOYMENTS), ax.get_title()
        for line in curves.values():
            ys = line.get_ydata()
            assert ys[0] == 0 and ys[-1] == 1 and all(a <= b for a, b in zip(ys, ys[1:]))
    reads = fig.axes[0]  # player 1 reads: phone answers every read locally, cloud none
    phone = next(line for line in reads.lines if line.get_gid() == "phone/player1/read")
    assert phone.get_xdata()[0] == 0 and "100% at 0 ms" in phone.get_label()
    cloud = next(line for line in reads.lines if line.get_gid() == "cloud/player1/read")
    assert min(cloud.get_xdata()) > 15 and "0% at 0 ms" in cloud.get_label()
