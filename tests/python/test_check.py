"""amino.check and `python3 -m amino check`: verdicts, windows, limits, user models in Python, and
a clear error with exit 2 for every bad input."""
import json
import os
import subprocess
import sys

import pytest

from amino import check, history

PYTHONPATH = os.environ.get("PYTHONPATH", "")


def ev(process, type_, f, value=None, key=None, time=None):
    e = {"process": process, "type": type_, "f": f, "value": value}
    if key is not None:
        e["key"] = key
    if time is not None:
        e["time"] = time
    return e


def op(events, process, f, value, output, start, end, key=None, type_="ok"):
    events.append(ev(process, "invoke", f, value, key, start))
    events.append(ev(process, type_, f, output, key, end))


def stale_read():
    h = []
    op(h, 0, "write", "a", "a", 0, 10, key="x")
    op(h, 0, "write", "b", "b", 20, 30, key="x")
    op(h, 1, "read", None, "a", 40, 50, key="x")
    return h


def test_verdicts_and_window():
    good = []
    op(good, 0, "write", 1, 1, 0, 10)
    op(good, 1, "read", None, 1, 5, 15)
    assert check.linearizable(good).verdict == "linearizable"
    r = check.linearizable(stale_read())
    assert r.verdict == "not linearizable" and not r.ok and r.exit_code == 1
    assert r.window["failing_op"] == 4 and r.window["ops"] == [2, 4]
    assert r.window["start"] == 20 and r.window["end"] == 50
    assert "read" in r.explanation and '"a"' in r.explanation


def test_unknown_under_limits():
    h = []
    for p in range(14):
        op(h, p, "write", p, p, 0, 100)
    op(h, 20, "read", None, "none", 200, 201)
    r = check.linearizable(h, max_steps=1000)
    assert r.verdict == "unknown" and r.exit_code == 3
    assert "step limit" in r.explanation
    assert check.linearizable(h).verdict == "not linearizable"


def test_models_and_files(tmp_path):
    h = []
    op(h, 0, "append", "x", None, 0, 1, key="k")
    op(h, 1, "get", None, "xx", 2, 3, key="k")
    path = history.save(h, tmp_path / "h.jsonl")
    assert check.linearizable(path, model="kv").verdict == "not linearizable"
    assert history.load(path)[1]["type"] == "ok"
    assert set(check.models()) >= {"register", "kv", "counter", "set", "list-append"}
    with pytest.raises(ValueError, match="unknown operation"):
        check.linearizable(path, model="register")
    with pytest.raises(ValueError, match="unknown model"):
        check.linearizable(path, model="queue")


class Queue(check.Model):
    """A FIFO queue: enqueue v, dequeue -> the oldest value (None when empty)."""

    def init(self):
        return ()

    def step(self, state, op):
        if op["f"] == "enqueue":
            return True, state + (op["value"],)
        head = state[0] if state else None
        if op["type"] == "ok" and op["output"] != head:
            return None
        return True, state[1:]


def test_python_model():
    h = []
    op(h, 0, "enqueue", 1, None, 0, 1)
    op(h, 1, "enqueue", 2, None, 0, 1)
    op(h, 0, "dequeue", None, 2, 2, 3)
    op(h, 0, "dequeue", None, 1, 4, 5)
    assert check.linearizable(h, Queue()).verdict == "linearizable"
    op(h, 0, "dequeue", None, 2, 6, 7)  # 2 was already taken
    r = check.linearizable(h, Queue())
    assert r.verdict == "not linearizable"
    assert r.window["failing_op"] == 8


def test_bad_histories_name_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"process": 0, "type": "invoke", "f": "read"}\n{"process": 0, "type": "done", "f": "read"}\n')
    with pytest.raises(ValueError, match="line 2"):
        check.linearizable(bad)
    with pytest.raises(ValueError, match="line 1"):
        history.parse('{"process": 0, "type": "ok", "f": "read"}\n')
    with pytest.raises(ValueError, match="kMaxValueDepth"):
        history.parse('{"process": 0, "type": "invoke", "f": "w", "value": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(TypeError):
        check.linearizable([], model=3)


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "amino", "check", *args], capture_output=True, text=True,
                          timeout=60, env=dict(os.environ, PYTHONPATH=PYTHONPATH))


def test_cli_exit_codes(tmp_path):
    good = []
    op(good, 0, "write", 1, 1, 0, 10)
    ok_file = history.save(good, tmp_path / "good.jsonl")
    bad_file = history.save(stale_read(), tmp_path / "bad.jsonl")
    r = run_cli(ok_file)
    assert r.returncode == 0 and r.stdout.startswith("linearizable"), r.stderr
    r = run_cli(bad_file)
    assert r.returncode == 1 and "not linearizable" in r.stdout and "window" in r.stdout
    page = tmp_path / "bad.html"
    r = run_cli(bad_file, "--html", str(page))
    assert r.returncode == 1 and page.exists()
    html = page.read_text()
    assert "not linearizable" in html and "read" in html and "<svg" in html
    r = run_cli(bad_file, "--json")
    assert r.returncode == 1 and json.loads(r.stdout)["window"]["failing_op"] == 4
    wide = []
    for p in range(14):
        op(wide, p, "write", p, p, 0, 100)
    op(wide, 20, "read", None, "none", 200, 201)
    r = run_cli(history.save(wide, tmp_path / "wide.jsonl"), "--max-steps", "500")
    assert r.returncode == 3 and r.stdout.startswith("unknown")
    for args in ([str(tmp_path / "missing.jsonl")], [ok_file, "--model", "queue"], [ok_file, "--max-steps", "0"],
                 [ok_file, "--time-limit", "-1"], ["/etc/hostname"]):
        r = run_cli(*args)
        assert r.returncode == 2, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.strip(), (args, r.stderr)
