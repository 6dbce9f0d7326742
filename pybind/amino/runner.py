"""Runs scenarios, each in a fresh forked child process.

Why fork: SimGrid's engine can exist once per process and cannot be reset (sim/sim_world.h), and a
C++ exception escaping an actor aborts the whole process. So the parent only validates (pure C++,
no engine) and each simulation runs in a child that sends its JSON back through a pipe; a child that
dies becomes a failed Results, never a dead interpreter.
"""
from __future__ import annotations

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
from concurrent.futures import Executor
from typing import Any, Callable, Iterable, Iterator, Optional, Union

from ._native import BUILD_PYBIND_DIR, INSTALLED, MUTANT, REPO, native
from .results import Results, SweepResults
from .scenario import Scenario

_CTX = mp.get_context("fork")


class ScenarioError(ValueError):
    """The scenario cannot run; .problems lists every problem found before the run started."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("invalid scenario:\n  - " + "\n  - ".join(self.problems))


def validate(scenario: Union[Scenario, dict]) -> list[str]:
    """Problems with a scenario (empty list when it can run). Never starts a simulation."""
    sc = _as_scenario(scenario)
    d = sc.to_dict()
    return _module_problems(d) + list(native.validate_json(sc.to_json())) + _netns_problems(d)


def _netns_problems(d: dict) -> list[str]:
    """What the netns backend cannot run in `d` (amino.netns_backend), [] on the other backends."""
    if d.get("backend") != "netns":
        return []
    from . import netns_backend
    return netns_backend.problems(d)


def _module_problems(d: dict) -> list[str]:
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


def _as_scenario(s: Union[Scenario, dict]) -> Scenario:
    if isinstance(s, Scenario):
        return s
    if isinstance(s, dict):
        return Scenario.from_dict(s)
    raise TypeError(f"expected an amino.Scenario or its dict, got {type(s).__name__}")


def _child(tx: Any, text: str) -> None:
    """Child body: run the one simulation this process will ever hold, send back JSON, exit."""
    try:
        d = json.loads(text)
        if d.get("backend") == "netns":  # one process per host, launched from this child
            from . import netns_backend
            tx.send(("ok", json.dumps(netns_backend.run_json(d))))
        else:
            tx.send(("ok", native.run_json(text)))
    except BaseException as e:  # report everything, including ValueError from validation
        tx.send(("error", f"{type(e).__name__}: {e}\n{traceback.format_exc()}"))
    finally:
        tx.close()
        os._exit(0)  # skip atexit handlers inherited from the parent (and SimGrid's teardown)


# Committed results (results/*/runs.csv) name the README's build directory relative to the repository
# root: they replay in any clone built as the README says, and read the same whoever regenerates them.
RELATIVE_PYTHONPATH = "build/pybind:pybind"


def python_path_prefix(relative: bool = False) -> str:
    """PYTHONPATH=... (and AMINO_MUTANT=...) for a replay command: this process' own module
    directories, or with relative=True the README's, relative to the repository root. An installed
    package needs none: its interpreter (python_for_replay) finds it."""
    # A run under a planted bug (docs/mutants.md) replays only under the same one.
    mutant = f"AMINO_MUTANT={shlex.quote(MUTANT)} " if MUTANT else ""
    if INSTALLED and not relative:
        return mutant.rstrip()
    path = RELATIVE_PYTHONPATH if relative else f"{BUILD_PYBIND_DIR}:{os.path.join(REPO, 'pybind')}"
    return f"{mutant}PYTHONPATH={path}"


def python_for_replay(relative: bool = False) -> str:
    """The interpreter of a replay command: Debian's (the README's) for a checkout, the one running
    now for an installed package (a venv's python sees the venv's amino)."""
    return shlex.quote(sys.executable) if INSTALLED and not relative else "/usr/bin/python3"


def replay_command(scenario_dict: dict, saved_path: Optional[str] = None, relative: bool = False) -> str:
    """The one shell command that replays a run: by scenario module name and parameters when the
    scenario came from scenarios/<name>/scenario.py, else from its saved JSON. By default it runs
    from any directory (cd to this checkout, absolute paths); relative=True gives the form for
    committed results, to be run from the repository root (no cd, relative PYTHONPATH)."""
    origin = scenario_dict.get("origin")
    cd = "" if relative else f"cd {shlex.quote(REPO)} && "
    env = python_path_prefix(relative)
    pre = f"{cd}{env + ' ' if env else ''}{python_for_replay(relative)} -m amino"
    if origin and origin.get("name"):
        params = " ".join(f"--param {shlex.quote(f'{k}={json.dumps(v)}')}" for k, v in sorted(origin["params"].items()))
        backend = scenario_dict.get("backend", "sim")
        on = f" --backend {backend}" if backend != "sim" else ""
        return f"{pre} run {origin['name']} --seed {scenario_dict['seed']}{on} {params}".rstrip()
    if saved_path is None:
        raise ValueError("an ad-hoc scenario replays from its saved scenario.json: give saved_path")
    return f"{pre} replay {shlex.quote(saved_path)}"


def save_scenario_for_replay(d: dict) -> str:
    """Writes an ad-hoc scenario (one not built from a scenario module) under $TMPDIR/amino-replay/,
    named by its content hash, and returns the path. Called only when someone asks for the replay
    command of a run that was not saved with `out=` (Results.replay_command), so runs and sweeps
    leave no files behind."""
    text = json.dumps({k: v for k, v in d.items() if k not in ("chrome_trace", "jsonl_trace")}, sort_keys=True)
    folder = os.path.join(os.environ.get("TMPDIR", "/tmp"), "amino-replay")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "scenario-" + hashlib.sha1(text.encode()).hexdigest()[:12] + ".json")
    with open(path, "w") as f:
        f.write(text)
    return path


def _failed(scenario_dict: dict, params: Optional[dict], error: str) -> Results:
    return Results({"ok": False, "errors": [error], "records": []}, scenario_dict, params=params)


class _Launched:
    """One child in flight."""

    def __init__(self, scenario: Scenario, trace: Optional[str], jsonl: Optional[str], params: Optional[dict],
                 timeout: Optional[float] = None) -> None:
        self.dict = scenario.to_dict(chrome_trace=os.path.abspath(trace) if trace else "",
                                     jsonl_trace=os.path.abspath(jsonl) if jsonl else "")
        self.params = params
        self.timeout = timeout
        text = json.dumps(self.dict)
        problems = _module_problems(self.dict) + list(native.validate_json(text)) + _netns_problems(self.dict)
        if not problems and self.dict.get("backend") == "netns":
            from . import netns_backend
            why = netns_backend.unavailable()
            if why is not None:
                problems = [f"the netns backend cannot run on this machine: {why}"]
        if problems:
            raise ScenarioError(problems)
        self.rx, tx = _CTX.Pipe(duplex=False)
        self.proc = _CTX.Process(target=_child, args=(tx, text), daemon=True)
        self.proc.start()
        tx.close()
        self.started = time.monotonic()

    def deadline(self) -> Optional[float]:
        return None if self.timeout is None else self.started + self.timeout

    def collect(self) -> Results:
        """Reads the child's answer (blocking) and turns every failure into a failed Results."""
        try:
            status, payload = self.rx.recv()
        except EOFError:
            status, payload = "error", None
        self.proc.join(30)
        self.rx.close()
        if payload is None:
            code = self.proc.exitcode
            payload = (f"the simulation process died (exit code {code}"
                       f"{', signal ' + str(-code) if code is not None and code < 0 else ''}) before reporting")
        if status != "ok":
            return _failed(self.dict, self.params, payload)
        return Results(json.loads(payload), self.dict, params=self.params)

    def time_out(self) -> Results:
        """Kills the child and returns the failed Results of a run that took too long."""
        self.proc.kill()
        self.proc.join(5)
        self.rx.close()
        if self.dict.get("backend") == "netns":  # the child's namespaces and node processes
            from . import netns_backend
            netns_backend.cleanup()
        return _failed(self.dict, self.params, f"timed out after {self.timeout:g} s of wall time (child killed)")


def _check_timeout(timeout: Optional[float]) -> None:
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not 0 < timeout < float("inf")):
        raise ValueError(f"timeout must be a positive number of seconds or None, got {timeout!r}")


def run_pool(jobs: Iterable[tuple[Any, Union[Scenario, dict], Optional[dict]]], processes: int = 2,
             timeout: Optional[float] = None) -> Iterator[tuple[Any, Results]]:
    """Runs (key, scenario, params) jobs in forked children, `processes` at a time, and yields
    (key, Results) as runs finish. `jobs` may be a lazy iterator (it is read only when a slot is
    free). A run longer than `timeout` seconds of wall time is killed and yields a failed Results."""
    _check_timeout(timeout)
    running: dict[Any, tuple[Any, _Launched]] = {}
    jobs, exhausted = iter(jobs), False
    try:
        while True:
            while not exhausted and len(running) < max(1, processes):
                job = next(jobs, None)
                if job is None:
                    exhausted = True
                    break
                key, scenario, params = job
                launched = _Launched(_as_scenario(scenario), None, None, params=params, timeout=timeout)
                running[launched.rx] = (key, launched)
            if not running:
                return
            deadlines = [d for d in (l.deadline() for _, l in running.values()) if d is not None]
            wait_for = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
            ready = set(mpc.wait(list(running), wait_for))
            now = time.monotonic()
            for rx in list(running):
                key, launched = running[rx]
                deadline = launched.deadline()
                if rx in ready:
                    del running[rx]
                    yield key, launched.collect()
                elif deadline is not None and now >= deadline:
                    del running[rx]
                    yield key, launched.time_out()
    finally:  # the caller stopped early (an exception, a closed generator): no orphan children
        for _, launched in running.values():
            launched.proc.kill()
            launched.proc.join(5)


def run(scenario: Union[Scenario, dict], trace: Optional[str] = None, jsonl: Optional[str] = None,
        out: Optional[str] = None, verbose: bool = False, timeout: Optional[float] = None) -> Results:
    """Runs one scenario in a fresh forked child and returns its Results.

    Raises ScenarioError before anything runs when the scenario is invalid. A crash or timeout of the
    child gives Results with ok=False and the reason in .errors. trace/jsonl: Chrome (Perfetto) trace
    and JSON-lines trace output paths. out: a directory to save records/summary/scenario into."""
    _check_timeout(timeout)
    launched = _Launched(_as_scenario(scenario), trace, jsonl, params=None, timeout=timeout)
    if timeout is not None and not launched.rx.poll(timeout):
        res = launched.time_out()
    else:
        res = launched.collect()
    if out:
        res.save(out)
    if verbose:
        print(f"replay: {res.replay_command}", file=sys.stderr)
    return res


def _grid(params: Union[dict, Iterable[dict], None]) -> list[dict]:
    """A dict of lists -> the list of every combination; a list of dicts is returned as is."""
    if params is None:
        return [{}]
    if isinstance(params, dict):
        keys = sorted(params)
        return [dict(zip(keys, combo)) for combo in itertools.product(*(params[k] for k in keys))]
    return [dict(p) for p in params]


def _run_remote(scenario_dict: dict, params: dict, timeout: Optional[float]) -> Results:
    """One sweep run on an executor's worker (a process pool, a Dask worker): the same forked child
    as a local run, so a crash or a hang of the simulation never takes the worker down."""
    res = run(Scenario.from_dict(scenario_dict), timeout=timeout)
    res.params = dict(params)
    return res


def sweep(scenario_fn: Callable[..., Union[Scenario, dict]], seeds: Iterable[int] = (1,),
          params: Union[dict, Iterable[dict], None] = None, processes: int = 2, progress: bool = True,
          executor: Optional[Executor] = None, timeout: Optional[float] = None) -> SweepResults:
    """Runs scenario_fn(seed=s, **p) for every seed and parameter combination and returns a
    SweepResults (a list of Results in the order of the combinations, seed fastest, with .frame()).

    params: dict of lists (a grid) or a list of dicts. Invalid scenarios raise ScenarioError before
    any run starts. Without `executor`, `processes` forked children run at a time on this machine.
    executor: any concurrent.futures-style executor (ProcessPoolExecutor, a Dask
    `distributed.Client(...).get_executor()`): each run is submitted to it and runs in a forked child
    on the worker; its workers must be able to `import amino`. timeout: seconds of wall time per run;
    a run that takes longer is killed and gives a failed Results saying so."""
    _check_timeout(timeout)
    jobs = [(p, s, scenario_fn(seed=s, **p)) for p in _grid(params) for s in seeds]
    for _, _, sc in jobs:
        problems = validate(sc)
        if problems:
            raise ScenarioError(problems)
    results: list[Optional[Results]] = [None] * len(jobs)
    bar = _progress(len(jobs), progress)
    try:
        if executor is None:
            for i, res in run_pool(((i, sc, p) for i, (p, _, sc) in enumerate(jobs)), processes, timeout):
                results[i] = res
                bar.update(1)
        else:
            import concurrent.futures as cf
            futures = {executor.submit(_run_remote, _as_scenario(sc).to_dict(), p, timeout): i
                       for i, (p, _, sc) in enumerate(jobs)}
            for future in cf.as_completed(futures):
                i = futures[future]
                try:
                    results[i] = future.result()
                except Exception as e:  # the executor's failure (a lost worker, amino not importable there)
                    results[i] = _failed(_as_scenario(jobs[i][2]).to_dict(), jobs[i][0],
                                         f"the executor could not run it: {type(e).__name__}: {e}")
                bar.update(1)
    finally:
        bar.close()
    return SweepResults(results)


def _progress(total: int, enabled: bool) -> Any:
    try:
        from tqdm import tqdm
        return tqdm(total=total, disable=not enabled, file=sys.stderr, desc="runs")
    except ImportError:  # tqdm is optional at run time
        class _Null:
            def update(self, n: int) -> None:
                pass

            def close(self) -> None:
                pass
        return _Null()
