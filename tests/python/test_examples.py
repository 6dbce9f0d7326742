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

# (name, command, expected-output file beside the example). The scenario scripts run on their
# embedded defaults in the simulator: deterministic, so the whole output is compared.
EXAMPLES = [
    ("multiplayer_game", [sys.executable, "-m", "amino", "run", "multiplayer_game"],
     "scenarios/multiplayer_game/scenario.expected"),
    ("code_offloading", [sys.executable, "-m", "amino", "run", "code_offloading"],
     "scenarios/code_offloading/scenario.expected"),
]


def normalize(text):
    # The replay line names this checkout, build and interpreter: keep only the command's arguments.
    return re.sub(r"^replay: .* -m amino ", "replay: ... -m amino ", text, flags=re.M)


@pytest.mark.parametrize("name,command,expected_file", EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_example_prints_its_expected_output(name, command, expected_file):
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=240)
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
