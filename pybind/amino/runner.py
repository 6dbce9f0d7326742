"""Runs scenarios, each in a fresh forked child process.

Why fork: SimGrid's engine can exist once per process and cannot be reset (TOOLCHAIN.md §8), and a
C++ exception escaping an actor aborts the whole process. So the parent only validates (pure C++,
no engine) and each simulation runs in a child that sends its JSON back through a pipe; a child that
dies becomes a failed Results, never a dead interpreter.
"""
import hashlib
import itertools
import json
import multiprocessing as mp
import multiprocessing.connection as mpc
import os
import shlex
import sys
import time
import traceback

from ._native import BUILD_PYBIND_DIR, MUTANT, REPO, native
from .results import Results
from .scenario import Scenario

_CTX = mp.get_context("fork")


class ScenarioError(ValueError):
    """The scenario cannot run; .problems lists every problem found before the run started."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("invalid scenario:\n  - " + "\n  - ".join(self.problems))


def validate(scenario):
    """Problems with a scenario (empty list when it can run). Never starts a simulation."""
    sc = _as_scenario(scenario)
    return _module_problems(sc.to_dict()) + list(native.validate_json(sc.to_json()))


def _module_problems(d):
    """A scenario module may declare BACKENDS (e.g. code offloading needs simulated CPUs)."""
    origin = d.get("origin") or {}
    if not origin.get("name"):
        return []
    from . import catalog
    supported = getattr(catalog.load(origin["name"]), "BACKENDS", ("sim", "sockets"))
    backend = d.get("backend", "sim")
    if backend in supported:
        return []
    return [f"scenario {origin['name']!r} runs on the {', '.join(supported)} backend(s), not {backend!r}"]


def _as_scenario(s):
    if isinstance(s, Scenario):
        return s
    if isinstance(s, dict):
        return Scenario.from_dict(s)
    raise TypeError(f"expected an amino.Scenario or its dict, got {type(s).__name__}")


def _child(tx, text):
    """Child body: run the one simulation this process will ever hold, send back JSON, exit."""
    try:
        tx.send(("ok", native.run_json(text)))
    except BaseException as e:  # report everything, including ValueError from validation
        tx.send(("error", f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))
    finally:
        tx.close()
        os._exit(0)  # skip atexit handlers inherited from the parent (and SimGrid's teardown)


# Committed results (results/*/runs.csv) name the README's build directory relative to the repository
# root: they replay in any clone built as the README says, and read the same whoever regenerates them.
RELATIVE_PYTHONPATH = "build/pybind:pybind"


def python_path_prefix(relative=False):
    """PYTHONPATH=... (and AMINO_MUTANT=...) for a replay command: this process' own module
    directories, or with relative=True the README's, relative to the repository root."""
    # A run under a planted bug (docs/mutants.md) replays only under the same one.
    mutant = f"AMINO_MUTANT={shlex.quote(MUTANT)} " if MUTANT else ""
    path = RELATIVE_PYTHONPATH if relative else f"{BUILD_PYBIND_DIR}:{os.path.join(REPO, 'pybind')}"
    return f"{mutant}PYTHONPATH={path}"


def replay_command(scenario_dict, saved_path=None, relative=False):
    """The one shell command that replays a run: by scenario module name and parameters when the
    scenario came from scenarios/<name>/scenario.py, else from its saved JSON. By default it runs
    from any directory (cd to this checkout, absolute paths); relative=True gives the form for
    committed results, to be run from the repository root (no cd, relative PYTHONPATH)."""
    origin = scenario_dict.get("origin")
    cd = "" if relative else f"cd {shlex.quote(REPO)} && "
    pre = f"{cd}{python_path_prefix(relative)} /usr/bin/python3 -m amino"
    if origin and origin.get("name"):
        params = " ".join(f"--param {shlex.quote(f'{k}={json.dumps(v)}')}" for k, v in sorted(origin["params"].items()))
        backend = scenario_dict.get("backend", "sim")
        on = f" --backend {backend}" if backend != "sim" else ""
        return f"{pre} run {origin['name']} --seed {scenario_dict['seed']}{on} {params}".rstrip()
    return f"{pre} replay {shlex.quote(saved_path)}"


def _save_scenario_for_replay(d):
    """Ad-hoc scenarios are saved under /tmp/amino-replay/ by content hash, so the replay command
    always names a file."""
    text = json.dumps({k: v for k, v in d.items() if k not in ("chrome_trace", "jsonl_trace")}, sort_keys=True)
    folder = os.path.join(os.environ.get("TMPDIR", "/tmp"), "amino-replay")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "scenario-" + hashlib.sha1(text.encode()).hexdigest()[:12] + ".json")
    with open(path, "w") as f:
        f.write(text)
    return path


class _Launched:
    """One child in flight."""

    def __init__(self, scenario, trace, jsonl, params):
        self.dict = scenario.to_dict(chrome_trace=os.path.abspath(trace) if trace else "",
                                     jsonl_trace=os.path.abspath(jsonl) if jsonl else "")
        self.params = params
        text = json.dumps(self.dict)
        problems = _module_problems(self.dict) + list(native.validate_json(text))
        if problems:
            raise ScenarioError(problems)
        self.rx, tx = _CTX.Pipe(duplex=False)
        self.proc = _CTX.Process(target=_child, args=(tx, text), daemon=True)
        self.proc.start()
        tx.close()
        self.started = time.monotonic()

    def collect(self):
        """Reads the child's answer (blocking) and turns every failure into a failed Results."""
        try:
            status, payload = self.rx.recv()
        except EOFError:
            status, payload = "error", None
        self.proc.join(30)
        if payload is None:
            code = self.proc.exitcode
            payload = (f"the simulation process died (exit code {code}"
                       f"{', signal ' + str(-code) if code is not None and code < 0 else ''}) before reporting")
        raw = json.loads(payload) if status == "ok" else {"ok": False, "errors": [payload], "records": []}
        origin = self.dict.get("origin")
        saved = None if origin and origin.get("name") else _save_scenario_for_replay(self.dict)
        return Results(raw, self.dict, replay_command(self.dict, saved), self.params)

    def kill(self):
        self.proc.kill()
        self.proc.join(5)


def run(scenario, trace=None, jsonl=None, out=None, verbose=False, timeout=None):
    """Runs one scenario in a fresh forked child and returns its Results.

    Raises ScenarioError before anything runs when the scenario is invalid. A crash or timeout of the
    child gives Results with ok=False and the reason in .errors. trace/jsonl: Chrome (Perfetto) trace
    and JSON-lines trace output paths. out: a directory to save records/summary/scenario into."""
    launched = _Launched(_as_scenario(scenario), trace, jsonl, params=None)
    if timeout is not None and not launched.rx.poll(timeout):
        launched.kill()
        res = Results({"ok": False, "errors": [f"timed out after {timeout} s of wall time"], "records": []},
                      launched.dict, replay_command(launched.dict, _save_scenario_for_replay(launched.dict)))
    else:
        res = launched.collect()
    if out:
        res.save(out)
    if verbose:
        print(f"replay: {res.replay_command}", file=sys.stderr)
    return res


def _grid(params):
    """A dict of lists -> the list of every combination; a list of dicts is returned as is."""
    if params is None:
        return [{}]
    if isinstance(params, dict):
        keys = sorted(params)
        return [dict(zip(keys, combo)) for combo in itertools.product(*(params[k] for k in keys))]
    return [dict(p) for p in params]


def sweep(scenario_fn, seeds=(1,), params=None, processes=2, progress=True):
    """Runs scenario_fn(seed=s, **p) for every seed and parameter combination, `processes` children
    at a time, with a tqdm progress bar. Returns Results in the order of the combinations (seed
    fastest). params: dict of lists (a grid) or a list of dicts. Invalid scenarios raise
    ScenarioError before any child starts."""
    jobs = [(p, s, scenario_fn(seed=s, **p)) for p in _grid(params) for s in seeds]
    for _, _, sc in jobs:
        problems = validate(sc)
        if problems:
            raise ScenarioError(problems)
    results = [None] * len(jobs)
    bar = _progress(len(jobs), progress)
    pending, running = list(enumerate(jobs)), {}
    while pending or running:
        while pending and len(running) < max(1, processes):
            i, (p, s, sc) = pending.pop(0)
            running[i] = _Launched(sc, None, None, params=p)
        ready = mpc.wait([l.rx for l in running.values()])
        for i in [i for i, l in running.items() if l.rx in ready]:
            results[i] = running.pop(i).collect()
            bar.update(1)
    bar.close()
    return results


def _progress(total, enabled):
    try:
        from tqdm import tqdm
        return tqdm(total=total, disable=not enabled, file=sys.stderr, desc="runs")
    except ImportError:  # tqdm is optional at run time
        class _Null:
            def update(self, n):
                pass

            def close(self):
                pass
        return _Null()
