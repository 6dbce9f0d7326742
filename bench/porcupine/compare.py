#!/usr/bin/python3
"""Puts Porcupine's verdicts and times (porcupine-bench's TSV) next to our checker's on the same
histories and prints one table: file, expected, Porcupine verdict + time, ours verdict + time, ratio,
then totals per group. Exit status 1 if either checker disagrees with an expected verdict.

  compare.py MANIFEST PORCUPINE_TSV [--only REGEX] [--repeat N]

bench/checker_vs_porcupine.sh runs it; see that script for the whole procedure."""
import argparse
import importlib
import json
import os
import re
import sys
import time


def ours(manifest_dir, entries, repeat, earliest=True):
    """OUR SIDE. {file: (verdict, total ms, check ms)} per entry, or None without amino.check.

    Runs amino.check.linearizable(path, model=...) in this process, best of `repeat` runs of each:
    total = the call (reading and parsing the file in C++, the search, the result back to Python),
    compared with Porcupine's load + check; check = the search alone (the result's elapsed_s),
    compared with Porcupine's check. earliest=False: verdict only (no earliest-failure search for
    the window), which is all Porcupine's CheckOperations computes."""
    try:
        check = importlib.import_module("amino.check")
    except ModuleNotFoundError as e:
        if e.name != "amino.check":
            raise
        return None
    out = {}
    for e in entries:
        path = os.path.join(manifest_dir, e["file"])
        total = search = verdict = None
        for _ in range(repeat):
            start = time.perf_counter()
            result = check.linearizable(path, model=e["model"], earliest=earliest)
            took = (time.perf_counter() - start) * 1000
            total = took if total is None else min(total, took)
            search = result.elapsed_s * 1000 if search is None else min(search, result.elapsed_s * 1000)
            verdict = result.verdict
        out[e["file"]] = (verdict, total, search)
    return out


def read_porcupine(tsv):
    rows = {}
    with open(tsv, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or line.startswith("file\t"):
                continue
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 7:
                raise ValueError(f"{tsv}: unexpected row {line!r}")
            name, _model, _expected, verdict, load, check_ms, _agree = cols
            rows[name] = (verdict, float(load) if load != "-" else None, float(check_ms) if check_ms != "-" else None)
    return rows


def group(entry):
    """etcd / kv / knossos, split by expected verdict."""
    fmt = {"etcd": "porcupine etcd", "porcupine-kv": "porcupine kv", "knossos-cas": "knossos cas-register"}
    return f"{fmt.get(entry['format'], entry['format'])}, {'good' if entry['expected'] == 'linearizable' else 'bad'}"


def short(verdict):
    return {"linearizable": "lin", "not linearizable": "NOT lin", "unknown": "unknown"}.get(verdict, verdict or "-")


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("manifest")
    ap.add_argument("porcupine_tsv")
    ap.add_argument("--only", default="", help="regular expression on file names")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--verdict-only", action="store_true",
                    help="ours without the earliest-failure search (a verdict, as Porcupine's CheckOperations)")
    args = ap.parse_args(argv)
    with open(args.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    entries = [e for e in manifest if re.search(args.only, e["file"])]
    porc = read_porcupine(args.porcupine_tsv)
    mine = ours(os.path.dirname(os.path.abspath(args.manifest)), entries, args.repeat, not args.verdict_only)

    nan = float("nan")
    head = (f"{'file':46} {'expected':8} {'porcupine':>9} {'check':>8} {'+load':>8} {'ours':>8} {'check':>8} "
            f"{'total':>8} {'ratio':>6} {'ratio':>6}")
    print(head)
    print(f"{'':46} {'':8} {'':>9} {'ms':>8} {'ms':>8} {'':>8} {'ms':>8} {'ms':>8} {'check':>6} {'total':>6}")
    print("-" * len(head))
    wrong, totals = [], {}
    for e in entries:
        pv, pload, pcheck = porc.get(e["file"], (None, None, None))
        ptotal = pload + pcheck if pcheck is not None else None
        ov, ototal, ocheck = mine[e["file"]] if mine else (None, None, None)
        rcheck = ocheck / pcheck if ocheck is not None and pcheck else nan
        rtotal = ototal / ptotal if ototal is not None and ptotal else nan
        print(f"{os.path.basename(e['file'])[:-6]:46} {short(e['expected']):8} {short(pv):>9} "
              f"{nan if pcheck is None else pcheck:8.2f} {nan if ptotal is None else ptotal:8.2f} {short(ov):>8} "
              f"{nan if ocheck is None else ocheck:8.2f} {nan if ototal is None else ototal:8.2f} "
              f"{rcheck:6.2f} {rtotal:6.2f}")
        for who, v in (("porcupine", pv), ("ours", ov)):
            if v is not None and v != e["expected"]:
                wrong.append(f"{who}: {e['file']} says {v}, expected {e['expected']} ({e['verdict_ref']})")
        t = totals.setdefault(group(e), [0, 0.0, 0.0, 0.0, 0.0])
        for i, x in enumerate((1, pcheck, ptotal, ocheck, ototal)):
            t[i] += x or 0
    print()
    print(f"{'group':32} {'files':>5} {'porcupine check':>15} {'+load':>8} {'ours check':>10} {'total':>8} "
          f"{'ratio check':>11} {'total':>6}")
    grand = [0, 0.0, 0.0, 0.0, 0.0]

    def row(name, t):
        oc, ot = (t[3], t[4]) if mine else (nan, nan)
        print(f"{name:32} {t[0]:5d} {t[1]:15.1f} {t[2]:8.1f} {oc:10.1f} {ot:8.1f} "
              f"{oc / t[1] if t[1] else nan:11.2f} {ot / t[2] if t[2] else nan:6.2f}")

    for name in sorted(totals):
        grand = [a + b for a, b in zip(grand, totals[name])]
        row(name, totals[name])
    row("total", grand)
    print("ms per history, best of --repeat runs; ratio = ours / Porcupine: check = the search alone,")
    print("total = reading the same JSON Lines file + the search (Porcupine: load + check).")
    if mine is None:
        print("ours: amino.check is not on this branch yet (bench/porcupine/compare.py, function ours)")
    for w in wrong:
        print("DISAGREEMENT", w)
    print(f"{len(wrong)} disagreements with the expected verdicts")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
