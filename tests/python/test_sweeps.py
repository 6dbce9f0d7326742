"""Sweeps as researchers run them: DataFrames of records, histories and runs; sweeps on any
concurrent.futures executor, including a real Dask cluster (a `dask scheduler` and two `dask worker`
processes on loopback) with results identical to a local sweep; per-run timeouts; no files left
behind; user scenario files run and listed by path."""
import concurrent.futures as cf
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import amino
from amino import catalog
from amino._native import BUILD_PYBIND_DIR, REPO

PYTHONPATH = f"{BUILD_PYBIND_DIR}:{os.path.join(REPO, 'pybind')}"

USER_SCENARIO = textwrap.dedent('''\
    import amino

    DESCRIPTION = "a visit counter in the cloud, called from a phone"
    PARAMS = {"calls": 3, "client": "p"}


    def build(seed=1, calls=3, client="p"):
        return (amino.Scenario(seed=seed, duration=30)
                .host("cloud", "cloud_server", labels={"tier": "cloud"}).host("phone", "phone_wifi")
                .deploy("c", on="cloud", cls="VisitCounter", dms=["KeepInCloud"])
                .client(client, node="phone", target="c", calls=[amino.call("visit")], count=calls))
    ''')


@pytest.fixture
def scenario_file(tmp_path):
    path = tmp_path / "my_scenario.py"
    path.write_text(USER_SCENARIO)
    return str(path)


def counter(seed=1, calls=3):
    """An ad-hoc scenario (no scenario module): module-level, so executors can pickle what they need."""
    return (amino.Scenario(seed=seed, duration=30)
            .host("cloud", "cloud_server", labels={"tier": "cloud"}).host("phone", "phone_wifi")
            .deploy("c", on="cloud", cls="VisitCounter", dms=["KeepInCloud"])
            .client("p", node="phone", target="c", calls=[amino.call("visit")], count=calls))


def fingerprint(results):
    return [(r.ok, r.seed, r.params, r.trace_hash, r.records, r.history) for r in results]


# ---- DataFrames

def test_records_and_history_frames_carry_the_seed_and_parameters():
    res = amino.sweep(counter, seeds=[4], params={"calls": [3]}, progress=False)[0]
    records = res.records_frame()
    assert list(records.columns) == ["seed", "calls"] + amino.FIELDS
    assert len(records) == 3
    assert set(records["seed"]) == {4} and set(records["calls"]) == {3}
    assert list(records["value"]) == [1, 2, 3]
    assert list(records["outcome"]) == ["OK"] * 3
    assert records["latency"].sum() == pytest.approx(sum(r["latency"] for r in res.records))
    history = res.history_frame()
    assert len(history) == 6 and list(history["type"]) == ["invoke", "ok"] * 3
    assert list(history["time"]) == sorted(history["time"])
    assert history.columns[:2].tolist() == ["seed", "calls"]


def test_a_sweep_frame_has_one_row_per_call_and_runs_frame_one_per_run():
    out = amino.sweep(counter, seeds=[1, 2], params={"calls": [2, 4]}, progress=False)
    assert isinstance(out, list) and len(out) == 4
    frame = out.frame()
    assert list(frame.columns[:3]) == ["run", "seed", "calls"]
    assert len(frame) == 2 + 2 + 4 + 4
    assert frame.groupby("run").size().tolist() == [2, 2, 4, 4]
    assert frame.groupby("run")["seed"].first().tolist() == [1, 2, 1, 2]  # seed fastest
    runs = out.runs_frame()
    assert runs[["seed", "calls", "ok", "n_calls", "n_errors"]].values.tolist() == [
        [1, 2, True, 2, 0], [2, 2, True, 2, 0], [1, 4, True, 4, 0], [2, 4, True, 4, 0]]
    assert runs["trace_hash"].tolist() == [r.trace_hash for r in out]


def test_a_parameter_named_like_a_record_field_is_prefixed(scenario_file):
    res = amino.sweep(lambda seed, client: catalog.build(scenario_file, seed=seed, client=client),
                      params={"client": ["alice"]}, progress=False)[0]
    frame = res.records_frame()
    assert "param_client" in frame.columns and set(frame["client"]) == {"alice"}
    assert set(frame["param_client"]) == {"alice"}


def test_an_empty_run_gives_empty_frames_with_the_columns():
    res = amino.Results({"ok": False, "errors": ["x"], "records": []}, {"seed": 9})
    assert res.records_frame().empty and list(res.records_frame().columns) == ["seed"] + amino.FIELDS
    assert res.history_frame().empty


# ---- executors

def test_a_process_pool_sweep_equals_the_local_one():
    local = amino.sweep(counter, seeds=[1, 2, 3], params={"calls": [2, 3]}, progress=False)
    with cf.ProcessPoolExecutor(2) as ex:
        pooled = amino.sweep(counter, seeds=[1, 2, 3], params={"calls": [2, 3]}, progress=False, executor=ex)
    assert fingerprint(pooled) == fingerprint(local)
    assert all(r.ok for r in pooled)


def test_an_executor_failure_is_a_failed_run_not_a_lost_sweep():
    class Broken(cf.Executor):
        def submit(self, fn, *args, **kwargs):
            f = cf.Future()
            f.set_exception(ConnectionError("worker lost"))
            return f
    out = amino.sweep(counter, seeds=[1, 2], progress=False, executor=Broken())
    assert [r.ok for r in out] == [False, False]
    assert "the executor could not run it: ConnectionError: worker lost" in out[0].errors[0]
    assert [r.seed for r in out] == [1, 2]


def _start(cmd, log):
    env = dict(os.environ, PYTHONPATH=PYTHONPATH, DASK_DISTRIBUTED__WORKER__DAEMON="False")
    return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd="/", start_new_session=True)


@pytest.fixture
def dask_cluster(tmp_path):
    """A real Dask scheduler and two worker processes on 127.0.0.1 (Debian's python3-distributed)."""
    distributed = pytest.importorskip("distributed", reason="apt install python3-distributed (scripts/setup.sh)")
    dask = shutil.which("dask")
    if dask is None:
        pytest.skip("the `dask` command is missing (apt install python3-distributed)")
    sched_file = tmp_path / "scheduler.json"
    procs = []
    with open(tmp_path / "dask.log", "w") as log:
        procs.append(_start([dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                             "--scheduler-file", str(sched_file)], log))
        for i in range(2):
            procs.append(_start([dask, "worker", "--scheduler-file", str(sched_file), "--host", "127.0.0.1",
                                 "--nthreads", "1", "--no-nanny", "--no-dashboard", "--name", f"w{i}"], log))
    client = None
    try:
        for _ in range(600):  # the scheduler writes its address when it is up (bounded: 60 s)
            if sched_file.exists() and sched_file.stat().st_size > 0 or procs[0].poll() is not None:
                break
            subprocess.run(["sleep", "0.1"])
        assert procs[0].poll() is None, (tmp_path / "dask.log").read_text()[-3000:]
        client = distributed.Client(scheduler_file=str(sched_file), timeout=60)
        client.wait_for_workers(2, timeout=120)
        yield client
    finally:
        if client is not None:
            client.close()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_a_dask_sweep_on_two_workers_equals_the_local_one(dask_cluster):
    seeds, params = [1, 2, 3, 4], {"calls": [2, 5]}
    local = amino.sweep(counter, seeds=seeds, params=params, progress=False)
    remote = amino.sweep(counter, seeds=seeds, params=params, progress=False, executor=dask_cluster.get_executor())
    assert all(r.ok for r in remote)
    assert fingerprint(remote) == fingerprint(local)
    assert remote.frame().equals(local.frame())
    # The runs really left this process: each of the two workers executed some of them (the key of
    # an executed task appears in its worker's transition log with the state "executing").
    ran = dask_cluster.run(lambda dask_worker: sorted({
        e[0] for e in dask_worker.state.log if str(e[0]).startswith("_run_remote") and "executing" in e}))
    assert len(ran) == 2, ran
    assert all(ran.values()) and sum(len(keys) for keys in ran.values()) == len(remote), ran


# ---- timeouts and files

def test_a_run_over_its_timeout_is_killed_and_reported(tmp_path):
    out = amino.sweep(counter, seeds=[1], params=[{"calls": 3}], progress=False, timeout=60)
    assert out[0].ok  # a generous timeout does not touch a normal run
    slow = amino.Scenario.from_dict(dict(counter(1, 2_000_000).to_dict(), duration=1e6))
    res = amino.run(slow, timeout=0.5)
    assert not res.ok and res.errors == ["timed out after 0.5 s of wall time (child killed)"]
    swept = amino.sweep(lambda seed: slow if seed == 1 else counter(seed), seeds=[1, 2], timeout=0.5, progress=False)
    assert [r.ok for r in swept] == [False, True]
    assert "timed out" in swept[0].errors[0]
    for bad in (0, -1, float("inf"), "5", True):
        with pytest.raises(ValueError, match="timeout must be a positive number"):
            amino.sweep(counter, seeds=[1], timeout=bad, progress=False)


def test_runs_leave_no_files_until_a_replay_command_is_asked_for(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    out = amino.sweep(counter, seeds=[1, 2], progress=False)
    amino.run(counter(3))
    assert not (tmp_path / "amino-replay").exists()
    command = out[0].replay_command  # an ad-hoc scenario replays from a saved file: written now
    saved = list((tmp_path / "amino-replay").iterdir())
    assert len(saved) == 1 and str(saved[0]) in command
    res = amino.run(counter(4), out=str(tmp_path / "run4"))  # saved with out=: replays from there
    assert str(tmp_path / "run4" / "scenario.json") in res.replay_command
    assert len(list((tmp_path / "amino-replay").iterdir())) == 1


# ---- user scenarios by path

def cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "amino", *args], capture_output=True, text=True, cwd=cwd,
                          env=dict(os.environ, PYTHONPATH=PYTHONPATH), timeout=300)


def test_run_and_list_a_user_scenario_by_path(scenario_file, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ran = cli("run", "../my_scenario.py", "--param", "calls=2", "--timeout", "120", cwd=elsewhere)
    assert ran.returncode == 0, ran.stderr
    assert "visit   2      2" in ran.stdout
    replay = ran.stdout.strip().splitlines()[-1].removeprefix("replay: ")
    assert f"run {scenario_file} --seed 1 --param calls=2" in replay  # absolute: replays from anywhere
    again = subprocess.run(replay, shell=True, capture_output=True, text=True, cwd="/", timeout=300)
    assert again.returncode == 0, again.stderr
    hash_line = [line for line in ran.stdout.splitlines() if line.startswith("trace hash:")]
    assert hash_line and hash_line[0] in again.stdout

    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "scenario.py").write_text(USER_SCENARIO)
    (tmp_path / "helper.py").write_text("X = 1\n")  # no build(): not a scenario
    (tmp_path / "broken.py").write_text("def build(:\n")
    listed = cli("list", "--path", str(tmp_path), cwd="/")
    lines = listed.stdout.splitlines()
    assert any(line.startswith(str(tmp_path / "my_scenario.py")) and "a visit counter" in line for line in lines)
    assert any(line.startswith(str(tmp_path / "nested" / "scenario.py")) for line in lines)
    assert any("broken.py" in line and "cannot be loaded: SyntaxError" in line for line in lines)
    assert not any("helper.py" in line for line in lines)
    assert "--param calls=3" in listed.stdout
    assert listed.returncode == 1  # one file could not be loaded

    missing = cli("list", "--path", str(tmp_path / "nope"), cwd="/")
    assert missing.returncode == 2 and "is not a directory" in missing.stderr
    bad_timeout = cli("run", scenario_file, "--timeout", "0", cwd="/")
    assert bad_timeout.returncode == 2 and "--timeout" in bad_timeout.stderr
