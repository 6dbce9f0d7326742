"""python3 -m amino {list, run, replay, reproduce} — see pybind/README.md."""
import argparse
import json
import os
import sys

from . import catalog
from .runner import ScenarioError, run
from .scenario import Scenario


def _param(text):
    """k=v with v parsed as JSON when it parses (numbers, lists, true), else kept as a string."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"--param wants key=value, got {text!r}")
    key, value = text.split("=", 1)
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


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
    return _report(run(scenario, trace=args.trace, jsonl=args.jsonl, out=args.out), args.out)


def cmd_replay(args):
    with open(args.file) as f:
        scenario = Scenario.from_json(f.read())
    if args.backend:
        scenario.backend = args.backend
    return _report(run(scenario, trace=args.trace, jsonl=args.jsonl, out=args.out), args.out)


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
            r.add_argument("--seed", type=int, default=1)
            r.add_argument("--param", type=_param, action="append", metavar="KEY=VALUE")
        r.add_argument("--backend", choices=("sim", "sockets"), default="sim" if name == "run" else None,
                       help="sim: SimGrid, simulated time (default); sockets: real TCP on 127.0.0.1, real time"
                            + ("" if name == "run" else " (default: the saved scenario's)"))
        r.add_argument("--out", help="directory for records.csv, summary.csv, result.json, scenario.json")
        r.add_argument("--trace", help="Chrome/Perfetto trace output file")
        r.add_argument("--jsonl", help="JSON-lines trace output file")
        r.set_defaults(fn=fn)
    rp = sub.add_parser("reproduce", help="every experiment, CSV/JSON and figures")
    rp.add_argument("--out", default="results")
    rp.add_argument("--only", help="one scenario name")
    rp.add_argument("--processes", type=int, default=2)
    rp.set_defaults(fn=cmd_reproduce)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except (ScenarioError, LookupError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
