"""The HTML of amino.timeline's page (timeline.py checks the input and pairs the operations).

Layout: a sticky axis on top and a sticky column of lane names; the chart below holds, in drawing
order, lane stripes, faint fault bands and the violation band across every lane, fault bars on the
node lanes, aggregate blocks, the hatched strips of info operations, then the operation bars. Every
positioned element is a <g data-a data-b> (times relative to lo); timeline.js places them for the
current zoom, so the layout in pixels has one source.
"""
import html
import json
import os
import re

MAX_FAULT_SPANS = 5_000   # fault spans drawn; a generated nemesis rarely comes close
AGG_BUCKETS = 200         # time buckets per process for the operations not drawn one by one
VALUE_CHARS = 60          # a value in a bar's label; titles get TITLE_CHARS
TITLE_CHARS = 400

# One source for the page's colours (CSS variables) and the tests that look for them in a screenshot.
COLOURS = {
    "ok": "#3d9a50", "fail": "#8a97ab", "info": "#e8a317", "open": "#e8a317", "violation": "#d7263d",
    "agg": "#7a8c7e", "partition": "#8e5bd6", "crash": "#3c3c3c", "pause": "#2f7fc1", "clock": "#1a9e9e",
    "message_faults": "#b8733a", "link": "#9a9a5a", "other": "#9a9a9a", "search": "#1565c0",
}
FAULT_COLOUR = {"partition": "partition", "partition_one_way": "partition", "partition_bridge": "partition",
                "partition_majorities_ring": "partition", "crash": "crash", "torn_write": "crash",
                "pause": "pause", "clock": "clock", "message_faults": "message_faults", "link": "link"}

LABEL_W = 170   # px, the lane names column
LANE_H = 18
BAR_H = 14
HEAD_H = 20     # a section heading ("nodes", "processes")
AXIS_H = 30

_ASSETS = os.path.dirname(os.path.abspath(__file__))


def _json_text(v, limit):
    text = json.dumps(v, ensure_ascii=False, separators=(",", ":"), sort_keys=True, default=str)
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def _plain(v, limit):
    """A key or error: strings as they are, anything else as JSON."""
    return (v if len(v) <= limit else v[:limit - 1] + "\u2026") if isinstance(v, str) else _json_text(v, limit)


def _plural(n, one, many=None):
    return f"{n} {one}" if n == 1 else f"{n} {many or one + 's'}"


def _esc(text):
    return html.escape(str(text), quote=True)


def _num(x):
    """A coordinate in the page's time unit, compact (ints stay ints)."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _css_class(kind):
    return re.sub(r"[^a-z0-9_-]", "", str(kind).lower()) or "other"


class Page:
    """One page: operations paired from a checked history, checked fault spans and window, the time
    range [lo, hi] they all fall in."""

    def __init__(self, ops, spans, win, lo, hi, line_time, title, explanation, max_ops, notices):
        self.ops, self.spans, self.win = ops, spans, win
        self.lo, self.hi, self.line_time = lo, hi, line_time
        self.title = title or "Amino++ timeline"
        self.explanation = explanation
        self.max_ops = max_ops
        self.notices = [n for n in notices if n]

    # -- time
    def rel(self, t):
        return _num(t - self.lo)

    def placed(self, cls, start, end, inner, attrs=""):
        """An element timeline.js places: from `start` to `end` (absolute times)."""
        return f'<g class="{cls}"{attrs} data-a="{self.rel(start)}" data-b="{self.rel(end)}">{inner}</g>'

    def fmt(self, t):
        if self.line_time:
            return f"line {t}"
        return f"{t / 1e6:.3f} ms" if abs(t) < 10e9 else f"{t / 1e9:.3f} s"

    # -- which operations are drawn one by one
    def drawn(self):
        ops = self.ops
        if len(ops) <= self.max_ops:
            return ops, []
        centre = 0
        if self.win and self.win["ops"]:
            positions = sorted(k for k, op in enumerate(ops) if op["i"] in self.win["ops"])
            centre = positions[len(positions) // 2]
        first = max(0, min(centre - self.max_ops // 2, len(ops) - self.max_ops))
        keep = set(range(first, first + self.max_ops))
        if self.win:  # the window's operations are drawn even when the run around them is not
            keep |= {k for k, op in enumerate(ops) if op["i"] in self.win["ops"]}
        where = "around the violation window" if self.win and self.win["ops"] else "the first ones"
        self.notices.append(
            f"{len(ops)} operations: {len(keep)} are drawn one by one ({where}, invokes at lines "
            f"{ops[first]['i']} to {ops[first + self.max_ops - 1]['i']}); the other {len(ops) - len(keep)} "
            "are counted per process and time bucket (grey blocks; hover for the counts).")
        return [op for k, op in enumerate(ops) if k in keep], [op for k, op in enumerate(ops) if k not in keep]

    # -- lanes
    def lanes(self):
        nodes, network = [], False
        for s in self.spans:
            network |= not s["nodes"]
            for n in s["nodes"]:
                if n not in nodes:
                    nodes.append(n)
        node_lanes = (["(network)"] if network else []) + nodes
        names = {}
        for op in self.ops:
            if op["p"] not in names:
                e = op["inv"]
                names[op["p"]] = " ".join(str(x) for x in (
                    f"p{op['p']}", e.get("client") or "", f"@{e['node']}" if e.get("node") else "",
                    e.get("object") or "") if x)
        return node_lanes, sorted(names), names

    def html(self):
        drawn, rest = self.drawn()
        spans = self.spans
        if len(spans) > MAX_FAULT_SPANS:
            self.notices.append(f"{len(spans)} fault spans: only the first {MAX_FAULT_SPANS} are drawn.")
            spans = spans[:MAX_FAULT_SPANS]
        node_lanes, procs, proc_names = self.lanes()
        y, labels, node_y, proc_y = 0, [], {}, {}
        if node_lanes:
            labels.append((y, "nodes (faults)", "head"))
            y += HEAD_H
            for n in node_lanes:
                node_y[n] = y
                labels.append((y, n, "lane"))
                y += LANE_H
        labels.append((y, "processes" if procs else "processes (none)", "head"))
        y += HEAD_H
        for p in procs:
            proc_y[p] = y
            labels.append((y, proc_names[p], "lane"))
            y += LANE_H
        height = y + 6
        chart = []
        chart += self.stripes(labels)
        chart += self.bands(spans, height)
        chart += self.fault_bars(spans, node_y)
        chart += self.aggregates(rest, proc_y)
        chart += self.op_bars(drawn, proc_y)
        return self.page(labels, chart, height)

    def stripes(self, labels):
        out = []
        for k, (y, _, kind) in enumerate(labels):
            if kind == "lane" and k % 2:
                out.append(f'<rect class="stripe" x="0" width="100%" y="{y}" height="{LANE_H}"/>')
        return out

    def bands(self, spans, height):
        out = []
        full = f'<rect class="bar" y="0" height="{height}"/>'
        for s in spans:
            end = self.hi if s["end"] is None else s["end"]
            out.append(self.placed(f'band f-{FAULT_COLOUR.get(s["kind"], "other")}', s["start"], end, full))
        if self.win:
            out.append(self.placed("winband", self.win["start"], self.win["end"], full))
        return out

    def fault_bars(self, spans, node_y):
        out = []
        for s in spans:
            end = self.hi if s["end"] is None else s["end"]
            until = "the end of the history" if s["end"] is None else self.fmt(s["end"])
            tip = _esc(f"{s['label']}\n{self.fmt(s['start'])} to {until}")
            cls = f"fault f-{FAULT_COLOUR.get(s['kind'], 'other')} k-{_css_class(s['kind'])}"
            cls += " open" if s["end"] is None else ""
            for n in s["nodes"] or ["(network)"]:
                yy = node_y[n]
                out.append(self.placed(cls, s["start"], end, f'<title>{tip}</title><rect class="bar" y="{yy + 2}" '
                                       f'height="{BAR_H}"/><text y="{yy + 13}">{_esc(s["label"])}</text>'))
        return out

    def aggregates(self, rest, proc_y):
        if not rest:
            return []
        width = (self.hi - self.lo) / AGG_BUCKETS
        buckets = {}
        for op in rest:
            b = min(AGG_BUCKETS - 1, int((op["a"] - self.lo) / width))
            counts = buckets.setdefault((op["p"], b), {"ok": 0, "fail": 0, "info": 0, "open": 0})
            counts[op["status"]] += 1
        most = max(sum(c.values()) for c in buckets.values())
        out = []
        for (p, b), c in sorted(buckets.items()):
            n = sum(c.values())
            tip = _esc(f"process {p}: {n} operations not drawn one by one (ok {c['ok']}, fail {c['fail']}, "
                       f"info {c['info']}, never completed {c['open']})")
            out.append(self.placed("agg", self.lo + b * width, self.lo + (b + 1) * width,
                                   f'<title>{tip}</title><rect class="bar" y="{proc_y[p] + 2}" height="{BAR_H}" '
                                   f'fill-opacity="{0.25 + 0.75 * n / most:.2f}"/>'))
        return out

    def op_bars(self, ops, proc_y):
        """The operations, after the hatched strips that carry info operations on to the end (below
        every bar: a process that goes on after an info would otherwise be hidden under them)."""
        strips, bars = [], []
        win = self.win["ops"] if self.win else set()
        for op in ops:
            status, yy = op["status"], proc_y[op["p"]]
            end = op["c"] if status in ("ok", "fail", "info") else self.hi
            if status == "info":
                strips.append(self.placed("tail", op["c"], self.hi, f'<rect class="bar" y="{yy + BAR_H - 3}" height="4"/>'))
            label, tip = self.op_text(op)
            bars.append(self.placed(f'op {status}{" win" if op["i"] in win else ""}', op["a"], end,
                                    f'<title>{_esc(tip)}</title><rect class="bar" y="{yy + 2}" height="{BAR_H}"/>'
                                    f'<text y="{yy + 13}">{_esc(label)}</text>', attrs=f' id="op{op["i"]}"'))
        return strips + bars

    def op_text(self, op):
        """An operation's label (f [key] arguments -> result, or the error) and its tooltip."""
        inv, done, status = op["inv"], op["done"] or {}, op["status"]
        key = f" [{_plain(inv['key'], VALUE_CHARS)}]" if "key" in inv else ""
        label = op["f"] + key
        if inv.get("value") is not None:
            label += " " + _json_text(inv["value"], VALUE_CHARS)
        if status == "ok" and done.get("value") is not None:
            label += " \u2192 " + _json_text(done["value"], VALUE_CHARS)
        error = done.get("error", inv.get("error"))
        if status in ("fail", "info") and error is not None:
            label += " \u2717 " + _plain(error, VALUE_CHARS)
        tip = [f"op {op['i']} \u00b7 process {op['p']} \u00b7 {op['f']}{key}",
               f"invoke at {self.fmt(op['a'])}: {_json_text(inv.get('value'), TITLE_CHARS)}"]
        if status == "open":
            tip.append("never completed: may have taken effect at any later time")
        else:
            tip.append(f"{status} at {self.fmt(op['c'])}: {_json_text(done.get('value'), TITLE_CHARS)}"
                       + (" (may have taken effect, then or later)" if status == "info" else ""))
        if error is not None:
            tip.append(f"error: {_plain(error, TITLE_CHARS)}")
        for field in ("object", "client", "node"):
            if inv.get(field) is not None:
                tip.append(f"{field}: {_plain(inv[field], TITLE_CHARS)}")
        return label, "\n".join(tip)

    def summary(self):
        counts = {k: 0 for k in ("ok", "fail", "info", "open")}
        for op in self.ops:
            counts[op["status"]] += 1
        procs = len({op["p"] for op in self.ops})
        return " \u00b7 ".join([
            f"{_plural(len(self.ops), 'operation')} by {_plural(procs, 'process', 'processes')}",
            f"ok {counts['ok']}", f"fail {counts['fail']}", f"info {counts['info']}",
            f"never completed {counts['open']}", _plural(len(self.spans), "fault span"),
            f"{self.fmt(self.lo)} to {self.fmt(self.hi)}"])

    def legend(self):
        items = [("ok", "ok"), ("fail", "fail (did not take effect)"),
                 ("info", "info (may have taken effect: a hatched strip to the end)"),
                 ("open", "never completed (hatched to the end)")]
        kinds = []
        for s in self.spans:
            c = FAULT_COLOUR.get(s["kind"], "other")
            if c not in kinds:
                kinds.append(c)
        items += [(f"f-{c}", {"other": "other fault", "message_faults": "message faults"}.get(c, c)) for c in kinds]
        if self.win:
            items.append(("violation", "violation window (its operations outlined)"))
        if any("counted per process" in n for n in self.notices):
            items.append(("agg", "operations not drawn one by one"))
        return "".join(f'<span class="key"><span class="sw {c}"></span>{_esc(t)}</span>' for c, t in items)

    def explain(self):
        if not self.win and not self.explanation:
            return ""
        head = "Checker"
        if self.win:
            key = self.win["key"]
            key = "" if key is None else f" on key {_plain(key, VALUE_CHARS)}"
            head = (f"Violation{key}: {self.fmt(self.win['start'])} to {self.fmt(self.win['end'])}, "
                    f"{_plural(len(self.win['ops']), 'operation')} outlined")
        body = f"<pre>{_esc(self.explanation)}</pre>" if self.explanation else ""
        return f'<section class="explain"><h2>{_esc(head)}</h2>{body}</section>'

    def page(self, labels, chart, height):
        colours = "".join(f"--{k.replace('_', '-')}:{v};" for k, v in COLOURS.items())
        css = ":root{" + colours + "}\n" + _asset("timeline.css")
        lane_text = "".join(f'<text class="{kind}" x="6" y="{y + (14 if kind == "head" else 13)}">{_esc(t)}</text>'
                            for y, t, kind in labels)
        unit = "line" if self.line_time else "ns"
        notices = "".join(f'<p class="notice">{_esc(n)}</p>' for n in self.notices)
        return "".join([
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
            'script-src \'unsafe-inline\'">',
            f"<title>{_esc(self.title)}</title><style>{css}</style></head><body>",
            f'<header><h1>{_esc(self.title)}</h1><p class="summary">{_esc(self.summary())}</p>',
            notices, self.explain(),
            '<div class="controls"><button id="zout" title="zoom out">\u2212</button>',
            '<button id="zin" title="zoom in">+</button>',
            '<button id="zfit" title="whole history">fit</button>',
            '<button id="zwin" title="zoom to the violation window">window</button>' if self.win else "",
            '<input id="q" type="search" placeholder="search operations (name, arguments, results)" size="40">',
            '<span id="hits"></span><span class="hint">ctrl+wheel zooms, scroll pans, hover for details</span></div>',
            f'<div class="legend">{self.legend()}</div></header>',
            f'<div id="scroll" data-span="{self.rel(self.hi)}" data-t0="{_num(self.lo)}" data-unit="{unit}">',
            '<div id="grid">',
            '<div class="corner">time \u2192</div>',
            f'<svg id="axis" xmlns="http://www.w3.org/2000/svg" height="{AXIS_H}"><g id="ticks"></g>',
            self.axis_window(), "</svg>",
            f'<svg id="labels" xmlns="http://www.w3.org/2000/svg" width="{LABEL_W}" height="{height}">{lane_text}</svg>',
            f'<svg id="chart" xmlns="http://www.w3.org/2000/svg" height="{height}">',
            '<defs><pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">',
            '<rect class="h0" width="6" height="6"/><rect class="h1" width="3" height="6"/>',
            '</pattern></defs><g id="gridlines"></g>',
            *chart, "</svg></div></div>",
            f"<script>{_asset('timeline.js')}</script></body></html>\n"])

    def axis_window(self):
        if not self.win:
            return ""
        return self.placed("winband", self.win["start"], self.win["end"], f'<rect class="bar" y="0" height="{AXIS_H}"/>')


def _asset(name):
    with open(os.path.join(_ASSETS, name), encoding="utf-8") as f:
        return f.read()
