"""Examples that check themselves, as SimGrid keeps an expected-output file beside each example: every
example a new user is pointed to has what it prints committed beside it, and this test runs it and
compares. A change that moves a result (a latency, a call count, a trace hash) shows here as a diff,
not as a surprise to the next reader of the README.

After an intended change, rewrite the files and review their diff:
    AMINO_UPDATE_EXPECTED=1 PYTHONPATH=build/pybind:pybind /usr/bin/python3 -m pytest tests/python/test_examples.py
"""
import os
import re
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

def normalize_scenario(text):
    # The replay line names this checkout, build and interpreter: keep only the command's arguments.
    return re.sub(r"^replay: .* -m amino ", "replay: ... -m amino ", text, flags=re.M)


def normalize_loopback(text):
    """Real processes on loopback: ephemeral ports and event times differ per run, and which kernel
    server gets which object follows the order of their ports. Addresses become roles (the server
    hosting the VisitCounter, the other one, the amino-ctl client), times and the servers' labels
    go, and each block's lines are sorted: what stays is who served what, and what the OMS saw."""
    servers = re.findall(r"^(127\.0\.0\.1:\d+) region=", text, flags=re.M)
    counter = re.search(r"'visits' .* first replica on (127\.0\.0\.1:\d+)", text)
    roles = {s: "<hello's server>" for s in servers}
    if counter:
        roles[counter.group(1)] = "<counter's server>"
    text = re.sub(r"127\.0\.0\.1:\d+", lambda m: roles.get(m.group(0), "<client>"), text)
    text = re.sub(r"^\d+\.\d+ ", "", text, flags=re.M)
    text = re.sub(r" region=\S+ name=\S+| \(region [^)]*\)", "", text)
    blocks = re.split(r"^(--- .*)$", text, flags=re.M)
    out = []
    for block in blocks:
        if block.startswith("--- "):
            out.append(block + "\n")
        else:
            out.extend(sorted(line + "\n" for line in block.strip("\n").split("\n") if line))
    return "".join(out)


# (name, command, expected-output file beside the example, normalizer). The scenario scripts run on
# their embedded defaults in the simulator: deterministic, so the whole output is compared.
EXAMPLES = [
    ("multiplayer_game", [sys.executable, "-m", "amino", "run", "multiplayer_game"],
     "scenarios/multiplayer_game/scenario.expected", normalize_scenario),
    ("code_offloading", [sys.executable, "-m", "amino", "run", "code_offloading"],
     "scenarios/code_offloading/scenario.expected", normalize_scenario),
    # Hello world on real sockets: an OMS and two kernel servers as separate processes.
    ("hello_loopback", ["bash", "scripts/hello_loopback.sh"], "scripts/hello_loopback.expected", normalize_loopback),
]


@pytest.mark.parametrize("name,command,expected_file,normalize", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_prints_its_expected_output(name, command, expected_file, normalize):
    env = dict(os.environ)
    if "AMINO_BUILD" in env:  # the build under test (ctest sets it), for the programs too
        env["AMINO_BIN_DIR"] = os.path.join(env["AMINO_BUILD"], "bin")
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{name} failed:\n{done.stdout}\n{done.stderr}"
    got = normalize(done.stdout)
    path = os.path.join(REPO, expected_file)
    if os.environ.get("AMINO_UPDATE_EXPECTED") == "1":
        with open(path, "w", encoding="utf-8") as f:
            f.write(got)
    with open(path, encoding="utf-8") as f:
        want = f.read()
    assert got == want, (f"{name} printed something else than {expected_file}; if the change is intended, "
                         "regenerate with AMINO_UPDATE_EXPECTED=1 (this file's docstring) and review the diff.\n"
                         f"--- printed\n{got}")
