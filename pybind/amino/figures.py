"""Drawing conventions shared by the scenarios' figures. Each scenario module draws its own figures
from the CSV files its reproduce() wrote (scenarios/<name>/scenario.py, FIGURES); reproduce() saves
them under results/, the notebooks show the same Figure objects, tests/python/test_plots.py checks
them. Matplotlib's object API on an Agg canvas: no pyplot state, nothing to close.

Why these conventions (results/README.md, "Reading the figures"):
- Latency axes are symmetric-log ("symlog"): linear from 0 to LINEAR_BELOW_MS (10 ms), logarithmic
  above.
  A simulated call answered on the caller's own node takes exactly 0 ms, which a log axis cannot
  show: the old figures clamped such points to 0.01 ms and bars below the log axis' floor vanished.
  On a symlog axis 0 is a tick labelled "0", and the 15 ms ... 2 s range keeps its decades.
- Axis limits come from the data (every plotted point lies inside them), never the reverse.
- A bar of height 0 is drawn: a marker on the baseline and the label "0"; a missing value (no
  successful call to take a median of) is labelled "n/a" and has no bar, never a bar of 0.
- Every figure names its data file by repository path in a footer (cite).
"""
from __future__ import annotations

import math
import os
from typing import Any, Optional, Sequence

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure

LINEAR_BELOW_MS = 10.0  # symlog: linear in [0, 10 ms]; the latencies of these runs are 0 or >= 15 ms
LINEAR_DECADES = 0.5    # width of that linear part, in decades of the log part
DPI = 110


def new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (8, 4),
               **subplot_kw: Any) -> tuple[Figure, Any]:
    """(Figure, 2-D array of Axes) on an Agg canvas."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)


def finite(values: Sequence[Any]) -> list[float]:
    """The values that are numbers (not None, "", NaN or infinite)."""
    return [v for v in values if isinstance(v, (int, float)) and math.isfinite(v)]


def value_label(v: float) -> str:
    """Text for a value in ms: exactly "0" for 0, never a small value rounded to "0"."""
    if v == 0:
        return "0"
    return f"{v:.0f}" if abs(v) >= 10 else f"{v:.2g}"


def latency_axis(ax: Axes, top_ms: float, which: str = "y", zero_off_spine: bool = False,
                 linear_below_ms: float = LINEAR_BELOW_MS) -> None:
    """Symlog latency axis from 0 to top_ms (top_ms must exceed the largest value drawn), linear
    below linear_below_ms (a power of ten): ticks at 0 and at each power of ten from linear_below_ms
    to top_ms. zero_off_spine: start the axis a little below 0 (in the linear part), so points at 0
    are not hidden by the spine."""
    scale = dict(linthresh=linear_below_ms, linscale=LINEAR_DECADES)
    bottom = -linear_below_ms / 4 if zero_off_spine else 0.0
    if which == "y":
        ax.set_yscale("symlog", **scale)
        ax.set_ylim(bottom, top_ms)
        set_ticks = ax.set_yticks
    else:
        ax.set_xscale("symlog", **scale)
        ax.set_xlim(bottom, top_ms)
        set_ticks = ax.set_xticks
    first = round(math.log10(linear_below_ms))
    ticks = [0.0] + [10.0 ** k for k in range(first, int(math.log10(max(top_ms, 1.0))) + 1) if 10.0 ** k <= top_ms]
    set_ticks(ticks, [value_label(t) for t in ticks])


def log_headroom(largest: float, decades: float = 0.5, linear_below_ms: float = LINEAR_BELOW_MS) -> float:
    """A symlog top that leaves `decades` above the largest value (room for value labels)."""
    return max(largest, linear_below_ms) * 10 ** decades


def bars(ax: Axes, xs: Sequence[float], values: Sequence[Any], width: float, label: str, color: Any = None,
         fontsize: float = 7) -> BarContainer:
    """Bars with their value written above each; a 0 gets a diamond on the baseline and "0", a
    missing value (None, "", NaN) gets "n/a" and no bar. Returns the BarContainer."""
    drawn = [(x, v) for x, v in zip(xs, values) if finite([v])]
    container = ax.bar([x for x, _ in drawn], [v for _, v in drawn], width, label=label, color=color)
    color = container.patches[0].get_facecolor() if container.patches else color
    zeros = [x for x, v in drawn if v == 0]
    if zeros:
        ax.plot(zeros, [0] * len(zeros), "D", color=color, markersize=4, clip_on=False, zorder=3,
                label="_zero")
    for x, v in drawn:
        ax.annotate(value_label(v), (x, v), xytext=(0, 5 if v == 0 else 2), textcoords="offset points",
                    ha="center", va="bottom", rotation=90, fontsize=fontsize)
    for x, v in zip(xs, values):
        if not finite([v]):
            ax.annotate("n/a", (x, 0), xytext=(0, 2), textcoords="offset points", ha="center", va="bottom",
                        rotation=90, fontsize=fontsize)
    return container


def ecdf_points(values: Sequence[float], right: float) -> tuple[list[float], list[float]]:
    """Step points of the empirical CDF of `values`: (0 at the smallest), then i/n at the i-th
    smallest, continued flat to `right` (the axis' right limit) so curves ending at the same x
    stay distinguishable."""
    xs = sorted(values)
    n = len(xs)
    px, py = [xs[0]], [0.0]
    for i, x in enumerate(xs, 1):
        if i < n and xs[i] == x:
            continue  # one step per distinct value
        px.append(x)
        py.append(i / n)
    px.append(right)
    py.append(1.0)
    return px, py


def repo_path(path: str, drawn_by: str) -> str:
    """`path` relative to the repository holding `drawn_by` (scenarios/<name>/scenario.py), or
    absolute when it lies elsewhere (e.g. a test's temporary folder)."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(drawn_by))))
    rel = os.path.relpath(os.path.abspath(path), root)
    return os.path.abspath(path) if rel.startswith("..") else rel


def cite(fig: Figure, data_path: str, drawn_by: str) -> None:
    """Footer naming the data file and the module that drew the figure, by repository path."""
    fig.text(0.995, 0.005, f"source: {repo_path(data_path, drawn_by)} (drawn by {repo_path(drawn_by, drawn_by)})",
             ha="right", va="bottom", fontsize=7, color="0.35")


def save(fig: Figure, path: str) -> str:
    """Writes the figure as PNG at the project's DPI; returns `path`."""
    fig.savefig(path, dpi=DPI)
    return path
