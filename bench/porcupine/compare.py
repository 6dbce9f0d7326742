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


def ours(manifest_dir, entries, repeat):
    """OUR SIDE. {file: (verdict, milliseconds)} for each entry, or None if our checker is not there.

    Times amino.check.linearizable(path, model=...) in this process, best of `repeat` runs; the time
    includes reading and parsing the file, so it is compared with Porcupine's load + check.
    (Issue 16: the lead's checker provides amino.check; adapt here if its API differs, e.g. to read an
    elapsed time from `python3 -m amino check FILE --model M --json`.)"""
    try:
        check = importlib.import_module("amino.check")
    except ModuleNotFoundError as e:
        if e.name != "amino.check":
            raise
        return None
    out = {}
    for e in entries:
        path = os.path.join(manifest_dir, e["file"])
        best, verdict = None, None
        for _ in range(repeat):
            start = time.perf_counter()
            result = check.linearizable(path, model=e["model"])
            took = (time.perf_counter() - start) * 1000
            best = took if best is None else min(best, took)
            verdict = result.verdict
        out[e["file"]] = (verdict, best)
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
    args = ap.parse_args(argv)
    with open(args.manifest, encoding="utf-8") as f:
        manifest = json.load(f)
    entries = [e for e in manifest if re.search(args.only, e["file"])]
    porc = read_porcupine(args.porcupine_tsv)
    mine = ours(os.path.dirname(os.path.abspath(args.manifest)), entries, args.repeat)

    head = f"{'file':48} {'expected':8} {'porcupine':>9} {'p ms':>8} {'p+load':>8} {'ours':>9} {'ours ms':>8} {'ratio':>6}"
    print(head)
    print("-" * len(head))
    wrong, totals = [], {}
    for e in entries:
        pv, pload, pcheck = porc.get(e["file"], (None, None, None))
        ptotal = pload + pcheck if pcheck is not None else None
        ov, oms = mine[e["file"]] if mine else (None, None)
        ratio = f"{oms / ptotal:6.2f}" if oms is not None and ptotal else "     -"
        print(f"{os.path.basename(e['file'])[:-6]:48} {short(e['expected']):8} {short(pv):>9} "
              f"{pcheck if pcheck is not None else float('nan'):8.2f} {ptotal if ptotal is not None else float('nan'):8.2f} "
              f"{short(ov):>9} {oms if oms is not None else float('nan'):8.2f} {ratio}")
        for who, v in (("porcupine", pv), ("ours", ov)):
            if v is not None and v != e["expected"]:
                wrong.append(f"{who}: {e['file']} says {v}, expected {e['expected']} ({e['verdict_ref']})")
        t = totals.setdefault(group(e), [0, 0.0, 0.0, 0.0])
        t[0] += 1
        t[1] += pcheck or 0
        t[2] += ptotal or 0
        t[3] += oms or 0
    print()
    print(f"{'group':36} {'files':>5} {'porcupine ms':>12} {'p+load ms':>10} {'ours ms':>10} {'ratio':>6}")
    grand = [0, 0.0, 0.0, 0.0]
    for name in sorted(totals):
        t = totals[name]
        grand = [a + b for a, b in zip(grand, t)]
        print(f"{name:36} {t[0]:5d} {t[1]:12.1f} {t[2]:10.1f} {t[3] if mine else float('nan'):10.1f} "
              f"{t[3] / t[2] if mine and t[2] else float('nan'):6.2f}")
    print(f"{'total':36} {grand[0]:5d} {grand[1]:12.1f} {grand[2]:10.1f} {grand[3] if mine else float('nan'):10.1f} "
          f"{grand[3] / grand[2] if mine and grand[2] else float('nan'):6.2f}")
    print("ratio = ours / (Porcupine load + check): both read the same JSON Lines file.")
    if mine is None:
        print("ours: amino.check is not on this branch yet (bench/porcupine/compare.py, function ours)")
    for w in wrong:
        print("DISAGREEMENT", w)
    print(f"{len(wrong)} disagreements with the expected verdicts")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
