"""amino.timeline: a history (ok / fail / info / never completed operations), fault spans and a
violation window as one self-contained HTML page, opened in headless Chromium (screenshot pixels
and the DOM after the page's script ran); the fault spans of a scenario's schedule; the bounds on
large histories; malformed input; `--timeline` on the command line."""
import html
import json
import os
import re
import shutil
import subprocess
import sys

import pytest

import amino
from amino import timeline

MS = 1_000_000  # history times are nanoseconds


def event(process, type, f, value=None, time=None, **extra):
    e = {"process": process, "type": type, "f": f, "key": "x", "value": value, **extra}
    if time is not None:
        e["time"] = time
    return e


# Operations (by invoke line): 0 write 1 ok, 1 read -> 1 ok, 4 cas fail, 5 write 3 info, 8 read -> 2 ok
# (the violation: nobody wrote 2), 9 write 4 never completed.
HISTORY = [
    event(0, "invoke", "write", 1, 0), event(1, "invoke", "read", None, 1 * MS),
    event(0, "ok", "write", 1, 3 * MS), event(1, "ok", "read", 1, 4 * MS),
    event(2, "invoke", "cas", [1, 2], 5 * MS), event(0, "invoke", "write", 3, 6 * MS),
    event(2, "fail", "cas", [1, 2], 8 * MS, error="UNAVAILABLE: no quorum"),
    event(0, "info", "write", 3, 9 * MS, error="TIMEOUT"),
    event(1, "invoke", "read", None, 10 * MS), event(3, "invoke", "write", 4, 11 * MS),
    event(1, "ok", "read", 2, 13 * MS),
]
FAULTS = [
    {"kind": "partition", "start": 2 * MS, "end": 9 * MS, "targets": [["a", "b"], ["c"]], "label": "partition a,b | c"},
    {"kind": "crash", "start": 7 * MS, "end": 12 * MS, "targets": ["c"], "label": "crash c"},
]
WINDOW = {"key": "x", "start": 10 * MS, "end": 13 * MS, "ops": [8]}
EXPLANATION = "read of x returned 2 but no write of 2 was ever invoked"


# ---- headless Chromium

def chromium(tmp_path, url, *action):
    """Runs headless Chromium on a file:// URL with a fresh profile and home, and every host name
    unresolvable, so the page cannot reach the network even if it tried; returns its stdout after
    checking that the page's script threw nothing. Skips only when the browser cannot run at all."""
    exe = shutil.which("chromium")
    if exe is None:
        pytest.skip("chromium is not installed (scripts/setup.sh installs the Debian package 'chromium')")
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))
    try:
        probe = subprocess.run([exe, "--version"], capture_output=True, text=True, env=env, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"chromium cannot be run: {e}")
    if probe.returncode != 0:
        pytest.skip(f"chromium cannot be run: {probe.stderr.strip()[-300:]}")
    ran = subprocess.run(
        [exe, "--headless=new", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp_path / 'profile'}",
         "--no-first-run", "--no-default-browser-check", "--disable-background-networking", "--disable-sync",
         "--disable-component-update", "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND",
         "--force-color-profile=srgb", "--hide-scrollbars", "--window-size=1200,800", "--enable-logging=stderr",
         *action, url],
        capture_output=True, text=True, env=env, timeout=120)
    assert ran.returncode == 0, ran.stderr[-2000:]
    assert "Uncaught" not in ran.stderr, ran.stderr[-2000:]  # console errors of the page's script
    return ran.stdout


def pixels_near(colours, hex_colour, tolerance=6):
    """How many pixels of a PIL getcolors() list are within `tolerance` of hex_colour per channel."""
    target = tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return sum(n for n, rgb in colours if all(abs(a - b) <= tolerance for a, b in zip(rgb, target)))


@pytest.fixture
def page(tmp_path):
    path = tmp_path / "timeline.html"
    timeline.write(str(path), HISTORY, faults=FAULTS, window=WINDOW, title="register x", explanation=EXPLANATION)
    return path


def test_the_page_has_no_network_references(page):
    text = page.read_text(encoding="utf-8")
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", text))
    assert urls == {"http://www.w3.org/2000/svg"}, urls  # the SVG namespace names, it is never fetched
    assert not re.search(r"\b(src|href)\s*=", text)
    assert not re.search(r"@import|url\((?!#)", text)
    assert "default-src 'none'" in text  # the page's CSP forbids loading anything, should a label smuggle a URL in


def test_screenshot_shows_the_operations_faults_and_window(page, tmp_path):
    from PIL import Image  # python3-pil (scripts/setup.sh)
    shot = tmp_path / "shot.png"
    chromium(tmp_path, page.as_uri(), f"--screenshot={shot}")
    with Image.open(shot) as img:
        assert img.size == (1200, 800)
        colours = img.convert("RGB").getcolors(maxcolors=1 << 24)
    assert len(colours) > 20, "blank or nearly blank screenshot"
    c = timeline.COLOURS
    # Bars of ok (3 ops), fail and info operations, the partition on 3 nodes and the crash are
    # opaque: several thousand pixels each; the violation colour outlines op 8, edges the window
    # and heads the explanation.
    for name, least in (("ok", 3000), ("fail", 1000), ("info", 1000), ("partition", 10000), ("crash", 2000),
                        ("violation", 300)):
        assert pixels_near(colours, c[name]) >= least, (name, pixels_near(colours, c[name]))


def test_dom_has_the_names_explanation_and_search(page, tmp_path):
    dom = chromium(tmp_path, page.as_uri() + "#q=unavailable&window", "--dump-dom")
    for text in ("write [x] 1 \u2192 1", "read [x] \u2192 2", "cas [x] [1,2] \u2717 UNAVAILABLE: no quorum",
                 "write [x] 3 \u2717 TIMEOUT", "never completed", EXPLANATION, "partition a,b | c", "crash c",
                 "Violation on key x: 10.000 ms to 13.000 ms, 1 operation outlined"):
        assert text in dom, text
    assert re.search(r'<g class="op ok win" id="op8"', dom)
    # The page's script ran: the search marked the one failed cas and the window button zoomed in.
    hits = re.findall(r'<g class="op (\w+) hit" id="op(\d+)"', dom)
    assert hits == [("fail", "4")], hits
    assert '<span id="hits">1 match (Enter: next)</span>' in dom
    width = int(re.search(r'<svg id="chart"[^>]* width="(\d+)"', dom).group(1))
    assert width > 2000, width  # the window is 3 of 13 ms: zoomed to it, the chart is wider than the view
    assert re.search(r'<text x="[\d.]+" y="16">1[0-3](\.\d+)? ms</text>', dom)  # axis ticks of the window


# ---- the page without a browser

def test_without_time_the_line_index_is_the_axis():
    untimed = [{k: v for k, v in e.items() if k != "time"} for e in HISTORY]
    text = html.unescape(timeline.render(untimed))
    assert 'No "time" in the history: the horizontal axis is the line index' in text
    assert 'data-unit="line"' in text and 'data-span="10"' in text
    partly = untimed[:1] + HISTORY[1:]
    assert '"time" is missing on 1 of 11 events' in html.unescape(timeline.render(partly))


def test_info_and_open_operations_run_to_the_end():
    text = timeline.render(HISTORY)
    end = 13 * MS
    assert f'<g class="tail" data-a="{9 * MS}" data-b="{end}">' in text  # the info write, from its completion
    assert re.search(rf'<g class="op open" id="op9" data-a="{11 * MS}" data-b="{end}">', text)
    assert re.search(rf'<g class="op ok" id="op0" data-a="0" data-b="{3 * MS}">', text)


def test_a_large_history_is_bounded_and_says_so():
    history, t = [], 0
    for i in range(3000):
        history += [event(i % 7, "invoke", "write", i, t), event(i % 7, "ok", "write", None, t + 5)]
        t += 10
    window_op = 2 * 2900  # the invoke line of operation 2900
    text = timeline.render(history, window={"ops": [window_op]}, max_ops=500)
    assert text.count('<g class="op ') == 500
    assert f'id="op{window_op}"' in text  # drawn: the run of 500 is centred on the window
    assert "3000 operations: 500 are drawn one by one (around the violation window" in text
    assert "the other 2500 are counted per process and time bucket" in text
    assert 0 < text.count('<g class="agg"') <= 7 * timeline.AGG_BUCKETS
    assert len(text) < 500 * 400 + 7 * timeline.AGG_BUCKETS * 300 + 50_000
    assert "operations not drawn one by one" in text  # in the legend


def test_labels_are_escaped():
    h = [event(0, "invoke", "<script>alert(1)</script>", "</title><b>", 0), event(0, "ok", "x", "&amp;", 1)]
    text = timeline.render(h, explanation="<img src=x>", title="<i>t</i>")
    assert "<script>alert" not in text and "<img" not in text and "<i>t</i>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


@pytest.mark.parametrize("history, message", [
    ([["not", "a", "dict"]], "history line 0: expected an object, got list"),
    ([{"process": 0, "type": "start", "f": "r"}], "history line 0: type must be one of invoke, ok, fail, info"),
    ([{"process": "p0", "type": "invoke", "f": "r"}], "history line 0: process must be an integer"),
    ([{"process": 0, "type": "invoke"}], 'history line 0: an invoke needs "f"'),
    ([{"process": 0, "type": "ok", "f": "r"}], "history line 0: ok of process 0 without a pending invoke"),
    ([event(0, "invoke", "r"), event(0, "invoke", "r")],
     "history line 1: invoke by process 0 while its operation of line 0"),
    ([event(0, "invoke", "r", time=5), event(0, "ok", "r", time=3)], "history line 1: completes at 3, before its invoke"),
    ([event(0, "invoke", "r", time="soon")], "history line 0: time must be a number of nanoseconds"),
])
def test_malformed_histories_are_value_errors(history, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        timeline.render(history)


@pytest.mark.parametrize("kwargs, message", [
    ({"window": {"ops": [2]}}, "window: 2 is not the index of an invoke line"),
    ({"window": {"ops": []}}, "window: needs numbers start <= end"),
    ({"window": {"start": 5, "end": 1}}, "window: needs numbers start <= end"),
    ({"faults": [{"kind": "crash"}]}, "fault 0 (crash): start must be a number"),
    ({"faults": [{"kind": "crash", "start": 5, "end": 1}]}, "fault 0 (crash): end must be None or a number >= start"),
    ({"faults": [{"start": 5}]}, 'fault 0: expected an object with a "kind" string'),
    ({"max_ops": 0}, "max_ops must be a positive integer"),
])
def test_malformed_faults_and_windows_are_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        timeline.render(HISTORY, **kwargs)


def test_write_returns_the_path_and_reads_a_jsonl_history(tmp_path):
    jsonl = tmp_path / "history.jsonl"
    jsonl.write_text("".join(json.dumps(e) + "\n" for e in HISTORY))
    history = [json.loads(line) for line in jsonl.read_text().splitlines()]
    out = str(tmp_path / "t.html")
    assert timeline.write(out, history, faults=FAULTS) == out
    assert "partition a,b | c" in open(out, encoding="utf-8").read()


# ---- fault spans from a scenario's schedule

S = 1_000_000_000


def span(kind, start, end, targets, label):
    return {"kind": kind, "start": start, "end": end, "targets": targets, "label": label}


def test_faults_from_a_scenario_pair_each_fault_with_its_end():
    sc = amino.Scenario(seed=1, duration=20)
    for n in ("a", "b", "c", "d", "e"):
        sc.host(n, "cloud_server")
    (sc.partition(1, ["a", "b"], ["c"], mode="reset").crash(2, "c", wipe_storage=True)
       .fault(2.5, "partition_one_way", **{"from": ["d"], "to": ["e"]}).heal(3).restart(4, "c")
       .fault(5, "pause", node="a").fault(6, "resume", node="a")
       .fault(7, "message_faults", **{"from": "a", "to": "*", "faults": {"drop": 0.5}})
       .fault(8, "message_faults", **{"from": "a", "to": "*", "faults": {"delay_ns": 1000}})
       .fault(9, "clear_message_faults").fault(10, "clock", node="b", offset_ns=5, drift=0.001)
       .fault(11, "torn_write", node="d").crash(12, "d").fault(13, "heal")
       .fault(14, "partition_bridge", nodes=["a", "b", "c", "d", "e"]))
    assert timeline.faults_from_scenario(sc.to_dict()) == [
        span("partition", 1 * S, 3 * S, [["a", "b"], ["c"]], "partition a,b | c (reset)"),
        span("crash", 2 * S, 4 * S, ["c"], "crash c (storage wiped)"),
        span("partition_one_way", 2_500_000_000, 3 * S, [["d"], ["e"]], "one-way partition d -> e"),
        span("pause", 5 * S, 6 * S, ["a"], "pause a"),
        span("message_faults", 7 * S, 8 * S, ["a"], 'message faults a -> * {"drop": 0.5}'),
        span("message_faults", 8 * S, 9 * S, ["a"], 'message faults a -> * {"delay_ns": 1000}'),
        span("clock", 10 * S, None, ["b"], "clock b offset 5 ns drift 0.001"),
        span("torn_write", 11 * S, 12 * S, ["d"], "torn_write d"),
        span("crash", 12 * S, None, ["d"], "crash d"),
        span("heal", 13 * S, 13 * S, [], "heal"),  # it ended nothing
        span("partition_bridge", 14 * S, None, [["a", "b"], ["c"], ["d", "e"]], "bridge a,b | <c> | d,e"),
    ]
    # The amino.Scenario itself, and the C++ schedule JSON (testbed/fault_schedule.h, at_ns), give the same.
    assert timeline.faults_from_scenario(sc) == timeline.faults_from_scenario(sc.to_dict())
    cpp = {"faults": [{"type": "crash", "node": "c", "wipe_storage": False, "at_ns": 7},
                      {"type": "restart", "node": "c", "at_ns": 9}]}
    assert timeline.faults_from_scenario(cpp) == [span("crash", 7, 9, ["c"], "crash c")]


@pytest.mark.parametrize("faults, message", [
    ("crash", "a fault schedule is a list of faults"),
    ([{"at": 1}], 'fault 0: expected an object with a "type"'),
    ([{"type": "crash", "at": "1"}], "fault 0 (crash): time must be a finite number"),
    ([{"type": "crash", "at": 1}], "crash fault: node must be a node name"),
    ([{"type": "partition", "at": 1, "groups": [["a"], "b"]}], "partition fault: each group must be a list of node names"),
])
def test_malformed_fault_schedules_are_value_errors(faults, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        timeline.faults_from_scenario({"faults": faults})


def test_faults_of_a_real_run_come_from_results_scenario():
    """Results.scenario is what the runner ran (seconds in `at`); the spans come out in ns."""
    sc = amino.Scenario(seed=3, duration=3)
    for n in ("a", "b", "c"):
        sc.host(n, "cloud_server", labels={"tier": "server"})
    sc.host("client", "phone_wifi")
    sc.deploy("counter", on="a", cls="VisitCounter", selector=amino.selector(tier="server"))
    sc.client("c1", node="client", target="counter", calls=[amino.call("visit")], count=10, think=0.1)
    sc.partition(0.5, ["a"], ["b", "c", "client"]).heal(1).crash(1.5, "c").restart(2, "c")
    res = amino.run(sc)
    assert res.ok, res.errors
    assert timeline.faults_from_scenario(res.scenario) == [
        span("partition", 500_000_000, 1 * S, [["a"], ["b", "c", "client"]], "partition a | b,c,client"),
        span("crash", 1_500_000_000, 2 * S, ["c"], "crash c"),
    ]


# ---- the command line

def amino_cli(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "amino", *args], capture_output=True, text=True, env=env, timeout=120)


def results_have_history():
    return hasattr(amino.Results({"records": []}, {}), "history")


@pytest.mark.skipif(not results_have_history(), reason="Results.history (the run's events) is not on this branch yet")
def test_cli_run_and_replay_write_the_same_timeline(tmp_path):
    ran = amino_cli("run", "multiplayer_game", "--param", "duration=2", "--out", str(tmp_path / "out"),
                    "--timeline", str(tmp_path / "run.html"))
    assert ran.returncode == 0, ran.stderr
    assert f"timeline in {tmp_path / 'run.html'}" in ran.stdout
    text = (tmp_path / "run.html").read_text(encoding="utf-8")
    assert "multiplayer_game (seed 1)" in text and '<g class="op ' in text
    replayed = amino_cli("replay", str(tmp_path / "out" / "scenario.json"), "--timeline", str(tmp_path / "replay.html"))
    assert replayed.returncode == 0, replayed.stderr
    assert (tmp_path / "replay.html").read_text(encoding="utf-8") == text  # same simulation, same history


@pytest.mark.skipif(results_have_history(), reason="Results.history exists: the test above writes timelines")
def test_cli_timeline_without_history_is_a_clear_error(tmp_path):
    ran = amino_cli("run", "multiplayer_game", "--param", "duration=2", "--out", str(tmp_path / "out"),
                    "--timeline", str(tmp_path / "t.html"))
    replayed = amino_cli("replay", str(tmp_path / "out" / "scenario.json"), "--timeline", str(tmp_path / "t.html"))
    for r in (ran, replayed):
        assert r.returncode == 2, (r.returncode, r.stderr)
        assert "amino: error: cannot draw a timeline: this Results has no .history" in r.stderr
        assert "Traceback" not in r.stderr
    assert not (tmp_path / "t.html").exists()
