"""python3 -m amino {list, run, replay, reproduce} — see pybind/README.md."""
import argparse
import json
import os
import sys

from . import catalog, timeline
from .runner import ScenarioError, run
from .scenario import Scenario


SEED_LIMIT = 2 ** 64  # seeds are unsigned 64-bit integers in the C++ runner


def _param(text):
    """k=v; v stays text here and takes the type of the parameter's default (catalog.coerce_param)."""
    if "=" not in text or text.startswith("="):
        raise argparse.ArgumentTypeError(f"--param wants key=value, got {text!r}")
    return tuple(text.split("=", 1))


def _seed(text):
    """A seed: an integer 0 <= seed < 2^64 (negative ones used to wrap in C++)."""
    try:
        seed = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seed wants an integer, got {text!r}") from None
    if not 0 <= seed < SEED_LIMIT:
        raise argparse.ArgumentTypeError(f"--seed must be in 0 .. {SEED_LIMIT - 1}, got {seed}")
    return seed


def _positive_int(text):
    try:
        n = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {n}")
    return n


def _report(res, out):
    print(res.summary_text())
    for e in res.errors:
        print("error:", e, file=sys.stderr)
    if res.trace_hash:
        print(f"trace hash: {res.trace_hash}")
    else:
        print("trace hash: none (sockets backend: real time, not deterministic)")
    if out:
        print(f"results in {out}/ (records.csv, summary.csv, result.json, scenario.json)")
    print(f"replay: {res.replay_command}")
    return 0 if res.ok else 1


def _finish(res, args):
    """The run's report, then its timeline when --timeline asked for one; the run's exit code."""
    code = _report(res, args.out)
    if args.timeline:
        print(f"timeline in {timeline.from_results(res, args.timeline)}")
    return code


def cmd_list(_args):
    for name in catalog.names():
        module = catalog.load(name)
        print(f"{name:20s} {getattr(module, 'DESCRIPTION', '')}")
        for k, v in sorted(getattr(module, "PARAMS", {}).items()):
            print(f"{'':22s}--param {k}={json.dumps(v)}")
    return 0


def cmd_run(args):
    scenario = catalog.build(args.scenario, seed=args.seed, **dict(args.param or []))
    scenario.backend = args.backend
    return _finish(run(scenario, trace=args.trace, jsonl=args.jsonl, out=args.out), args)


def _read_saved_scenario(path):
    """The Scenario saved in `path` (scenario.json); ValueError saying what is wrong with the file."""
    try:
        with open(path) as f:
            text = f.read()
    except OSError as e:
        raise ValueError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path} is not a saved scenario (not UTF-8 text)") from None
    if not text.strip():
        raise ValueError(f"{path} is empty; expected a scenario.json written by a run (--out)")
    try:
        return Scenario.from_json(text)
    except ValueError as e:
        raise ValueError(f"{path} is not a saved scenario: {e}") from None


def cmd_replay(args):
    scenario = _read_saved_scenario(args.file)
    if args.backend:
        scenario.backend = args.backend
    return _finish(run(scenario, trace=args.trace, jsonl=args.jsonl, out=args.out), args)


def cmd_reproduce(args):
    names = [args.only] if args.only else catalog.names()
    for name in names:
        module = catalog.load(name)
        if hasattr(module, "reproduce"):
            print(f"== {name}", file=sys.stderr)
            module.reproduce(os.path.join(args.out, name), processes=args.processes)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(prog="python3 -m amino", description="Amino++ experiments (SimGrid or loopback sockets)")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", help="scenarios and their parameters").set_defaults(fn=cmd_list)
    for name, fn in (("run", cmd_run), ("replay", cmd_replay)):
        r = sub.add_parser(name, help="run a scenario module" if name == "run" else "run a saved scenario.json")
        r.add_argument("scenario" if name == "run" else "file")
        if name == "run":
            r.add_argument("--seed", type=_seed, default=1, help="0 .. 2^64-1 (default 1)")
            r.add_argument("--param", type=_param, action="append", metavar="KEY=VALUE")
        r.add_argument("--backend", choices=("sim", "sockets"), default="sim" if name == "run" else None,
                       help="sim: SimGrid, simulated time (default); sockets: real TCP on 127.0.0.1, real time"
                            + ("" if name == "run" else " (default: the saved scenario's)"))
        r.add_argument("--out", help="directory for records.csv, summary.csv, result.json, scenario.json")
        r.add_argument("--trace", help="Chrome/Perfetto trace output file")
        r.add_argument("--jsonl", help="JSON-lines trace output file")
        r.add_argument("--timeline", metavar="OUT.html",
                       help="HTML timeline of the run's operations and faults (amino/timeline.py)")
        r.set_defaults(fn=fn)
    rp = sub.add_parser("reproduce", help="every experiment, CSV/JSON and figures")
    rp.add_argument("--out", default="results")
    rp.add_argument("--only", help="one scenario name")
    rp.add_argument("--processes", type=_positive_int, default=2)
    rp.set_defaults(fn=cmd_reproduce)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except (ScenarioError, LookupError, ValueError, TypeError, OSError) as e:
        # User errors (bad parameters, files, scenarios): one line, exit 2, never a traceback.
        print(f"amino: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
