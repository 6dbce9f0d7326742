"""python3 -m amino {list, run, replay, reproduce, check, hunt} — see pybind/README.md."""
import argparse
import json
import os
import sys

from . import catalog, timeline
from ._native import version_text
from .runner import ScenarioError, replay_command, run
from .guarantees import violated
from .workload import check_all
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


def _report(res, out, saved_hash=None):
    print(res.summary_text())
    for e in res.errors:
        print("error:", e, file=sys.stderr)
    failed = not res.ok
    for w, r in check_all(res):  # the checks the scenario declares (amino.workload)
        print(f"check {w.target} ({w.name}, {len(w.clients)} clients): {r.summary()}")
        failed = failed or violated(r)
    # The sim backend checks Raft's invariants over the run's raft.* probes; other probes (migrations,
    # scaling, 2PC steps) are for triggers and timelines, so a run without Raft prints no line.
    raft_probes = sum(1 for p in res.probes if str(p.get("kind", "")).startswith("raft."))
    if raft_probes or res.invariants:
        print(f"invariants: {raft_probes} Raft probes, {len(res.invariants)} violation(s)"
              + (f", {len(res.triggered)} triggered fault(s) fired" if res.triggered else ""))
    for line in res.invariant_lines():
        print(f"  invariant violated: {line}")
    failed = failed or bool(res.invariants)
    if res.trace_hash:
        print(f"trace hash: {res.trace_hash}")
    else:
        print(f"trace hash: none ({res.raw.get('backend', 'sockets')} backend: real time, not deterministic)")
    if saved_hash is not None and res.trace_hash:
        if saved_hash == res.trace_hash:
            print(f"trace hash matches the saved run's ({saved_hash})")
        else:
            print(f"trace hash DIFFERS from the saved run's: saved {saved_hash}, now {res.trace_hash} "
                  "(another binary, or a nondeterminism bug)")
            failed = True
    if out:
        print(f"results in {out}/ (records.csv, summary.csv, history.jsonl, probes.jsonl, result.json, scenario.json)")
    print(f"replay: {res.replay_command}")
    return 1 if failed else 0


def _finish(res, args, saved_hash=None):
    """The run's report, then its timeline when --timeline asked for one; the run's exit code."""
    code = _report(res, args.out, saved_hash)
    if args.timeline:
        print(f"timeline in {timeline.from_results(res, args.timeline, **_violation(res))}")
    return code


def _violation(res):
    """The first failing declared check's window and explanation, for a timeline; else the invariant
    violations as the explanation (else nothing)."""
    for w, r in check_all(res):
        if violated(r):
            return {"window": w.window_in_run(res, r.window), "explanation": r.summary()}
    if res.invariants:
        return {"explanation": "\n".join(res.invariant_lines())}
    return {}


def cmd_list(args):
    failed = 0
    for name in catalog.discover(args.path) if args.path else catalog.names():
        try:
            module = catalog.load(name)
        except Exception as e:  # a user's scenario file that does not import: say why, list the rest
            print(f"{name:20s} (cannot be loaded: {type(e).__name__}: {e})")
            failed = 1
            continue
        print(f"{name:20s} {getattr(module, 'DESCRIPTION', '')}")
        for k, v in sorted(getattr(module, "PARAMS", {}).items()):
            print(f"{'':22s}--param {k}={json.dumps(v)}")
    return failed


def cmd_run(args):
    scenario = catalog.build(args.scenario, seed=args.seed, **dict(args.param or []))
    scenario.backend = args.backend
    return _finish(run(scenario, trace=args.trace, jsonl=args.jsonl, out=args.out, timeout=args.timeout), args)


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


def _saved_hash(scenario_path):
    """The trace hash recorded next to a saved scenario (result.json of --out or of hunt), if any."""
    path = os.path.join(os.path.dirname(os.path.abspath(scenario_path)), "result.json")
    try:
        with open(path) as f:
            return json.load(f).get("trace_hash") or None
    except (OSError, ValueError):
        return None


def cmd_replay(args):
    scenario = _read_saved_scenario(args.file)
    if args.backend:
        scenario.backend = args.backend
    saved = _saved_hash(args.file) if scenario.backend == "sim" else None
    res = run(scenario, trace=args.trace, jsonl=args.jsonl, out=args.out, timeout=args.timeout)
    if not (scenario.origin or {}).get("name"):  # replayed from this file, not from a scenario module
        res.replay_command = replay_command({}, os.path.abspath(args.file))
    return _finish(res, args, saved)


def cmd_hunt(args):
    from . import hunt
    seeds = range(args.seed_base, args.seed_base + args.seeds)
    params = dict(args.param or [])
    catalog.build(args.scenario, seed=args.seed_base, **params)  # bad parameters fail here, before any run
    report = hunt.hunt(args.scenario, seeds=seeds, params=params, model=args.check, jobs=args.jobs,
                       time_limit=args.check_time_limit, timeout=args.run_timeout)
    print(f"{report.ran} seeds in {report.elapsed_s:.1f} s on {report.jobs} job(s) "
          f"({report.seeds_per_core_minute:.1f} seeds per core-minute); {len(report.failures)} failed")
    for v in report.failures:
        print("  " + v.describe())
    if not report.failures:
        return 0
    first = report.failures[0]
    if args.no_shrink:
        print(f"replay: {first.results.replay_command}")
        return 1
    print(f"shrinking seed {first.seed} ...", file=sys.stderr)
    shrunk = hunt.shrink(first.scenario, model=args.check, max_runs=args.max_shrink_runs,
                         time_limit=args.check_time_limit)
    out = args.out or f"hunt-{os.path.splitext(os.path.basename(args.scenario))[0]}-seed{first.seed}"
    paths = hunt.save_failure(out, shrunk, model=args.check)
    o, m = shrunk.original, shrunk.minimal
    print(f"shrunk in {shrunk.runs} runs: faults {o['faults']} -> {m['faults']}, clients {o['clients']} -> "
          f"{m['clients']}, calls {o['calls']} -> {m['calls']}")
    print(shrunk.verdict.describe())
    for name, path in sorted(paths.items()):
        print(f"  {name}: {path}")
    if args.timeline and "timeline" in paths:
        import shutil
        shutil.copyfile(paths["timeline"], args.timeline)
    print(f"replay: {replay_command({}, os.path.abspath(paths['scenario']))}")
    return 1


def cmd_reproduce(args):
    names = [args.only] if args.only else catalog.names()
    for name in names:
        module = catalog.load(name)
        if hasattr(module, "reproduce"):
            print(f"== {name}", file=sys.stderr)
            module.reproduce(os.path.join(args.out, name), processes=args.processes)
    return 0


def _jobs(text):
    return text if text == "auto" else _positive_int(text)


def _non_negative_float(text):
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 <= x < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text}")
    return x


def _positive_float(text):
    x = _non_negative_float(text)
    if x == 0:
        raise argparse.ArgumentTypeError("expected a number of seconds > 0, got 0")
    return x


def cmd_check(args):
    from . import check
    if args.transactions:
        if args.model is not None or args.max_steps is not None:
            raise ValueError("--model and --max-steps are for linearizability; --transactions checks with --consistency")
        res = check.transactions(args.file, model=args.transactions, consistency=args.consistency or "serializable",
                                 time_limit=args.time_limit)
        window = None
        if args.html and res.anomalies:
            from .guarantees import anomaly_window
            from .history import load
            window = anomaly_window(load(args.file), res.anomalies[0].ops)
        title = f"{os.path.basename(args.file)}: {res.verdict} ({res.consistency}, {res.model})"
    else:
        if args.consistency is not None:
            raise ValueError("--consistency needs --transactions MODEL")
        res = check.linearizable(args.file, model=args.model or "register", max_steps=args.max_steps or 0,
                                 time_limit=args.time_limit)
        window = res.window
        title = f"{os.path.basename(args.file)}: {res.verdict} ({res.model})"
    print(json.dumps(res.to_dict(), indent=1, sort_keys=True) if args.json else res.summary())
    if args.html:
        from .history import load
        timeline.write(args.html, load(args.file), window=window, title=title, explanation=res.summary())
        print(f"timeline in {args.html}", file=sys.stderr)
    return res.exit_code


class _PrintVersion(argparse.Action):
    """--version: like argparse's, but printed as is (argparse's would re-wrap the two lines)."""

    def __init__(self, option_strings, dest, **kwargs):
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())
        parser.exit()


def main(argv=None):
    # The console script (pip install) is `amino`; otherwise the module is run with -m.
    prog = "amino" if os.path.basename(sys.argv[0]) == "amino" else "python3 -m amino"
    p = argparse.ArgumentParser(prog=prog, description="Amino++ experiments (SimGrid, loopback sockets or network namespaces)")
    p.add_argument("--version", action=_PrintVersion, help="the package's and the native module's versions and paths")
    sub = p.add_subparsers(dest="cmd", required=True)
    ls = sub.add_parser("list", help="scenarios and their parameters")
    ls.add_argument("--path", metavar="DIR", help="list the scenario modules in DIR instead of the repository's "
                    "scenarios/ (DIR/<name>/scenario.py and DIR/*.py defining build); run takes their paths")
    ls.set_defaults(fn=cmd_list)
    for name, fn in (("run", cmd_run), ("replay", cmd_replay)):
        r = sub.add_parser(name, help="run a scenario module" if name == "run" else "run a saved scenario.json")
        if name == "run":
            r.add_argument("scenario", help="a scenario name (python3 -m amino list) or the path of a scenario "
                                            ".py file (a module defining build(seed, **params))")
            r.add_argument("--seed", type=_seed, default=1,
                           help="the run's seed, 0 .. 2^64-1 (default 1): same seed, same run")
            r.add_argument("--param", type=_param, action="append", metavar="KEY=VALUE",
                           help="override one of the scenario's parameters (repeatable; list shows them "
                                "and their defaults; the value takes the type of the default)")
        else:
            r.add_argument("file", help="a scenario.json written by a run (--out) or by hunt")
        r.add_argument("--backend", choices=Scenario.BACKENDS, default="sim" if name == "run" else None,
                       help="sim: SimGrid, simulated time (default); sockets: real TCP on 127.0.0.1, real time; "
                            "netns: every host its own process in its own network namespace (root)"
                            + ("" if name == "run" else " (default: the saved scenario's)"))
        r.add_argument("--out", help="directory for records.csv, summary.csv, result.json, scenario.json")
        r.add_argument("--trace", help="Chrome/Perfetto trace output file")
        r.add_argument("--jsonl", help="JSON-lines trace output file")
        r.add_argument("--timeout", type=_positive_float, metavar="SECONDS",
                       help="wall time before the run is killed and reported failed (default: none)")
        r.add_argument("--timeline", metavar="OUT.html",
                       help="HTML timeline of the run's operations and faults (amino/timeline.py)")
        r.set_defaults(fn=fn)
    rp = sub.add_parser("reproduce", help="every experiment, CSV/JSON and figures")
    rp.add_argument("--out", default="results")
    rp.add_argument("--only", help="one scenario name")
    rp.add_argument("--processes", type=_positive_int, default=2)
    rp.set_defaults(fn=cmd_reproduce)
    from .check import models
    from .guarantees import names as check_names
    h = sub.add_parser("hunt", help="run many seeds, report the failing ones, shrink the first",
                       description="Exit status: 0 no seed failed, 1 a seed failed (its shrunk scenario, "
                                   "history and explanation are written to --out), 2 usage error.")
    h.add_argument("scenario", help="a scenario name (python3 -m amino list) or a scenario .py file")
    h.add_argument("--param", type=_param, action="append", metavar="KEY=VALUE",
                   help="override one of the scenario's parameters for every seed (repeatable)")
    h.add_argument("--seeds", type=_positive_int, default=100, help="how many seeds (default 100)")
    h.add_argument("--seed-base", type=_seed, default=1, help="first seed (default 1)")
    h.add_argument("--check", choices=models() + check_names(), default=None,
                   help="only the scenario's checks of this model or check (amino.guarantees; default: every "
                        "check it declares)")
    h.add_argument("--jobs", type=_jobs, default="auto", help="parallel runs (default auto: one per core)")
    h.add_argument("--out", help="directory for the shrunk failure (default hunt-<scenario>-seed<N>)")
    h.add_argument("--no-shrink", action="store_true", help="report failing seeds only")
    h.add_argument("--max-shrink-runs", type=_positive_int, default=300, metavar="N",
                   help="runs the shrinker may spend (default 300)")
    h.add_argument("--check-time-limit", type=_non_negative_float, default=60.0, metavar="SECONDS",
                   help="wall time per check before it answers unknown (default 60)")
    h.add_argument("--run-timeout", type=_positive_float, metavar="SECONDS",
                   help="wall time per run before it is killed and the seed fails (default: none)")
    h.add_argument("--timeline", help="also copy the shrunk failure's timeline (HTML) here")
    h.set_defaults(fn=cmd_hunt)
    from .check import TXN_MODELS, consistency_levels
    c = sub.add_parser("check", help="check a history (JSON Lines) for linearizability, or its transactions for "
                                     "isolation anomalies (--transactions)",
                       description="Exit status: 0 linearizable (valid), 1 not linearizable (invalid), 3 unknown (a "
                                   "limit was hit), 2 usage error (bad arguments, unreadable or malformed history).")
    c.add_argument("file", help="history in JSON Lines, Jepsen's vocabulary (pybind/README.md, Histories)")
    c.add_argument("--model", choices=models(), default=None, help="sequential model (default register)")
    c.add_argument("--transactions", choices=TXN_MODELS, default=None, metavar="MODEL",
                   help="check transactions (f \"txn\") for isolation anomalies instead, with this model: "
                        + " or ".join(TXN_MODELS))
    c.add_argument("--consistency", choices=[lv["name"] for lv in consistency_levels()], default=None,
                   metavar="LEVEL", help="with --transactions: the level to check (default serializable): "
                                         + ", ".join(lv["name"] for lv in consistency_levels()))
    c.add_argument("--max-steps", type=_positive_int, default=None, metavar="N",
                   help="search steps per key before answering unknown (default 10^8)")
    c.add_argument("--time-limit", type=_non_negative_float, default=0.0, metavar="SECONDS",
                   help="wall time before answering unknown (default: none)")
    c.add_argument("--json", action="store_true", help="print the result as JSON")
    c.add_argument("--html", "--timeline", dest="html", metavar="OUT.html",
                   help="also write the history's timeline with the violation window (one HTML file)")
    c.set_defaults(fn=cmd_check)
    args = p.parse_args(argv)
    try:
        return args.fn(args)
    except BrokenPipeError:  # `amino list | head`: the reader left; not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 0
    except (ScenarioError, LookupError, ValueError, TypeError, OSError) as e:
        # User errors (bad parameters, files, scenarios): one line, exit 2, never a traceback.
        print(f"amino: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
