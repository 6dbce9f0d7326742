"""Bad input to the Python module and its command line: a one-line `amino: error: ...` message and
exit 2, never a traceback and never exit 0 (issue 9, part 4b). Parameters take the type of their
default; seeds are unsigned 64-bit; `replay` checks its file."""
import json
import os
import subprocess
import sys

import pytest

import amino
from amino import catalog


def amino_cli(*args, timeout=120):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.run([sys.executable, "-m", "amino", *args], capture_output=True, text=True, env=env,
                          timeout=timeout)


def expect_usage_error(ran, text):
    assert ran.returncode == 2, (ran.returncode, ran.stdout, ran.stderr)
    assert text in ran.stderr, ran.stderr
    assert "Traceback" not in ran.stderr, ran.stderr


def game_partitioned(value):
    return bool(catalog.build("multiplayer_game", partition=value).faults)


# The reproduction: `--param partition=no` and `False` enabled the partition.
@pytest.mark.parametrize("text", ["no", "False", "false", "OFF", "0", " No "])
def test_false_words_mean_false(text):
    assert game_partitioned(text) is False


@pytest.mark.parametrize("text", ["yes", "True", "ON", "1", True])
def test_true_words_mean_true(text):
    assert game_partitioned(text) is True


def test_partition_no_on_the_command_line_runs_without_the_partition():
    ran = amino_cli("run", "multiplayer_game", "--param", "partition=no", "--param", "duration=2")
    assert ran.returncode == 0, ran.stderr
    assert "partition=false" in ran.stdout  # the replay command carries the parsed value


@pytest.mark.parametrize("text", ["maybe", "2", "nein", ""])
def test_other_words_are_not_booleans(text):
    expect_usage_error(amino_cli("run", "multiplayer_game", "--param", f"partition={text}"),
                       "amino: error: parameter partition of scenario 'multiplayer_game': expected a boolean")


# The reproductions: duration=1e12 and non-numeric parameters.
@pytest.mark.parametrize("param, text", [
    ("duration=1e12", "1000000000000.0 is out of range (allowed: 1.0 .. 1000000.0)"),
    ("duration=-5", "is out of range"),
    ("duration=abc", "expected a number, got 'abc'"),
    ("duration=nan", "expected a finite number"),
    ("duration=inf", "expected a finite number"),
    ("refresh_ms=12.5", "expected an integer, got '12.5'"),
    ("refresh_ms=-1", "-1 is out of range"),
    ("nosuch=1", "has no parameter(s) nosuch"),
    ("deployment=moon", "unknown deployment"),
])
def test_bad_parameters(param, text):
    expect_usage_error(amino_cli("run", "multiplayer_game", "--param", param), text)


def test_code_offloading_calls_must_be_a_positive_integer():
    expect_usage_error(amino_cli("run", "code_offloading", "--param", "calls=-3"), "calls")
    expect_usage_error(amino_cli("run", "code_offloading", "--param", "calls=many"), "expected an integer")


# The C++ validation checks every scenario's duration too (scenarios not built by a module).
def test_scenario_duration_is_bounded_by_the_cpp_validation():
    sc = amino.Scenario(duration=1e12).host("a", "cloud_server").host("b", "phone_wifi")
    sc.deploy("c", on="a", cls="VisitCounter").client("p", node="b", target="c", calls=[amino.call("visit")], count=1)
    assert any("duration must be in (0, 1e+06] seconds, got 1e+12" in p for p in amino.validate(sc))
    sc.duration = 30
    sc.workloads[0]["timeout"] = 1e300
    assert any("timeout must be at most 1e+06" in p for p in amino.validate(sc))


@pytest.mark.parametrize("seed, text", [
    ("-1", "--seed must be in 0 .. 18446744073709551615, got -1"),
    (str(2 ** 64), "--seed must be in 0 .. 18446744073709551615"),
    ("abc", "--seed wants an integer"),
])
def test_bad_seeds_on_the_command_line(seed, text):
    ran = amino_cli("run", "multiplayer_game", "--seed", seed)
    assert ran.returncode == 2 and text in ran.stderr and "Traceback" not in ran.stderr, ran.stderr


@pytest.mark.parametrize("seed", [-1, 2 ** 64])
def test_bad_seeds_through_the_api_are_rejected_by_the_cpp_validation(seed):
    sc = amino.Scenario(seed=seed).host("a", "cloud_server")
    assert any("seed must be an integer in 0 .. 18446744073709551615" in p for p in amino.validate(sc))
    with pytest.raises(amino.ScenarioError, match="seed must be an integer"):
        amino.run(sc)


def test_largest_seed_is_valid():
    sc = amino.Scenario(seed=2 ** 64 - 1, duration=1).host("a", "cloud_server").host("b", "phone_wifi")
    sc.deploy("c", on="a", cls="VisitCounter").client("p", node="b", target="c", calls=[amino.call("visit")], count=1)
    assert amino.validate(sc) == []


# The reproduction: `replay` of a missing, empty or malformed file.
@pytest.mark.parametrize("content, text", [
    (None, "cannot read"),
    ("", "is empty"),
    ("   \n", "is empty"),
    ("{not json", "is not a saved scenario"),
    ("[]", "a scenario is a JSON object, got list"),
    ("{}", "missing field(s) seed, duration, platform"),
    ('{"seed": 1, "duration": 5, "platform": []}', "platform must be an object"),
    ('{"seed": 1, "duration": 5, "platform": {"hosts": []}}', "platform.hosts is empty"),
    ('{"seed": "x", "duration": 5, "platform": {"hosts": [{"name": "a"}]}}', "seed must be an integer"),
    ('{"seed": 1, "duration": 5, "platform": {"hosts": [{"name": "a"}]}, "workloads": 3}', "workloads must be a list"),
    ('{"seed": -1, "duration": 5, "platform": {"hosts": [{"name": "a"}]}}', "seed must be an integer in 0 .."),
])
def test_replay_of_a_bad_file(tmp_path, content, text):
    path = tmp_path / "scenario.json"
    if content is not None:
        path.write_text(content)
    expect_usage_error(amino_cli("replay", str(path)), text)


def test_replay_of_a_directory(tmp_path):
    expect_usage_error(amino_cli("replay", str(tmp_path)), "cannot read")


def test_unknown_scenario_and_bad_processes():
    expect_usage_error(amino_cli("run", "nosuch"), "no scenario named 'nosuch'")
    ran = amino_cli("reproduce", "--processes", "0")
    assert ran.returncode == 2 and "expected a positive integer" in ran.stderr


# The spec checks of the Python module are the C++ ones (it calls parse_spec): an alias bomb, an
# out-of-range DM config and NaN are reported before anything runs, naming the limit or range.
def test_python_applies_the_cpp_spec_checks():
    bomb = open(os.path.join(os.path.dirname(__file__), "..", "input", "data", "alias_bomb.yaml")).read()
    for spec, text in [(bomb, "kMaxSpecNodes = 100000"),
                       ({"class": "VisitCounter", "dmList": [{"name": "ConsensusRSM", "config": {"replicas": -3}}]},
                        "ConsensusRSM config replicas = -3 is out of range (allowed: 1 .. 64)"),
                       ("class: VisitCounter\ndmList: [{name: AtLeastOnceRPC, config: {multiplier: .nan}}]\n",
                        "multiplier = nan is not a finite number")]:
        sc = amino.Scenario().host("a", "cloud_server").deploy("c", on="a", spec=spec)
        problems = amino.validate(sc)
        assert any(text in p for p in problems), problems
        with pytest.raises(amino.ScenarioError, match="invalid scenario"):
            amino.run(sc)


def test_a_reader_that_leaves_early_is_not_an_error():
    """`amino list | head -1`: the closed pipe ends the listing quietly (it used to print
    "amino: error: [Errno 32] Broken pipe")."""
    ran = subprocess.run(["sh", "-c", f"{sys.executable} -m amino list | head -1"], capture_output=True, text=True,
                         timeout=300)
    assert ran.stdout.startswith("at_least_once_rpc ") and ran.stdout.count("\n") == 1
    assert ran.stderr == ""
