#!/usr/bin/env python3
"""Size and render time of amino.timeline pages for large histories (issue 16, "Timelines").

Builds a seeded synthetic register history (read / write / cas on one key, 85 % ok, 10 % fail, 5 %
info, N operations over 10 processes, a partition over its middle third and a 3-operation
violation window at its middle), renders it, and prints the render time and the file size; with
--chromium also the wall time of a headless Chromium screenshot of the page (load, script, paint).

    PYTHONPATH=build/pybind:pybind /usr/bin/python3 bench/timeline_bench.py --ops 10000 --chromium
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pybind"))
from amino import timeline  # noqa: E402  (after the path)


def history(n_ops, processes=10, seed=1):
    rng, events, t, busy, invoked = random.Random(seed), [], 0, {}, 0
    while invoked < n_ops or busy:
        t += rng.randint(1, 200_000)
        p = rng.randrange(processes)
        if p in busy:
            f, value = busy.pop(p)
            r = rng.random()
            kind = "ok" if r < 0.85 else "fail" if r < 0.95 else "info"
            e = {"process": p, "type": kind, "f": f, "key": "x", "value": value if f != "read" else rng.randrange(100),
                 "time": t}
            if kind != "ok":
                e["error"] = "TIMEOUT"
            events.append(e)
        elif invoked < n_ops:
            f = rng.choice(["read", "write", "cas"])
            value = None if f == "read" else rng.randrange(100)
            busy[p] = (f, value)
            invoked += 1
            events.append({"process": p, "type": "invoke", "f": f, "key": "x", "value": value, "time": t})
    return events


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ops", type=int, default=10_000)
    ap.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "timeline_bench.html"))
    ap.add_argument("--chromium", action="store_true", help="also time a headless Chromium screenshot")
    args = ap.parse_args()
    h = history(args.ops)
    invokes = [i for i, e in enumerate(h) if e["type"] == "invoke"]
    faults = [{"kind": "partition", "start": h[len(h) // 3]["time"], "end": h[2 * len(h) // 3]["time"],
               "targets": [["a", "b"], ["c"]], "label": "partition a,b | c"}]
    window = {"key": "x", "ops": invokes[args.ops // 2:args.ops // 2 + 3]}
    started = time.perf_counter()
    timeline.write(args.out, h, faults=faults, window=window, explanation="synthetic")
    render_s = time.perf_counter() - started
    print(f"{args.ops} operations ({len(h)} events): render + write {render_s:.2f} s, "
          f"{os.path.getsize(args.out) / 1e6:.2f} MB ({args.out})")
    if args.chromium:
        exe = shutil.which("chromium")
        if not exe:
            sys.exit("chromium is not installed (scripts/setup.sh)")
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            subprocess.run([exe, "--headless=new", "--no-sandbox", "--disable-gpu", f"--user-data-dir={tmp}",
                            "--host-resolver-rules=MAP * ~NOTFOUND", "--window-size=1200,800",
                            f"--screenshot={os.path.join(tmp, 'shot.png')}", "file://" + os.path.abspath(args.out)],
                           check=True, capture_output=True, timeout=600, env=dict(os.environ, HOME=tmp))
            print(f"chromium screenshot (start, load, script, paint): {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
