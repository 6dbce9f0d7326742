"""AMINO_MUTANT (docs/mutants.md) through the Python package: a build without mutants refuses every
name at import, loudly; a build with them (scripts/mutants.sh) selects the one named and refuses
unknown names."""
import os
import shutil
import subprocess
import sys

import pytest

from amino._native import native

BUILT = bool(native.mutants())


def import_amino(mutant):
    """`import amino` in a fresh interpreter with AMINO_MUTANT=mutant; (exit code, stderr)."""
    env = dict(os.environ, AMINO_MUTANT=mutant)
    code = "import amino, amino._native as n; print(n.native.__file__)"
    ran = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    return ran.returncode, ran.stderr


def test_a_build_without_mutants_refuses_them_at_import():
    if BUILT:
        pytest.skip("this build has mutants (-DAMINO_MUTANTS=ON)")
    assert native.mutants() == []
    with pytest.raises(ValueError, match="this build has no mutants: configure with -DAMINO_MUTANTS=ON"):
        native.select_mutant("quorum_off_by_one")
    rc, err = import_amino("quorum_off_by_one")
    assert rc != 0
    assert "ImportError: AMINO_MUTANT=quorum_off_by_one" in err and "-DAMINO_MUTANTS=ON" in err, err


def test_a_build_with_mutants_selects_known_names_only():
    if not BUILT:
        pytest.skip("needs a build with -DAMINO_MUTANTS=ON (scripts/mutants.sh)")
    assert "quorum_off_by_one" in native.mutants()
    rc, err = import_amino("quorum_off_by_one")
    assert rc == 0, err
    rc, err = import_amino("quorum_of_by_one")
    assert rc != 0
    assert "unknown mutant 'quorum_of_by_one'" in err and "quorum_off_by_one" in err, err


def test_no_mutant_asked_for_is_no_error():
    rc, err = import_amino("")
    assert rc == 0, err


REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MUTANTS_PYBIND = os.path.join(REPO, "build-mutants", "pybind")


def mutants_package():
    """PYTHONPATH of the package built with mutants (scripts/test.sh builds it); skips when it is
    absent, unless AMINO_REQUIRE_MUTANTS (set by scripts/test.sh, so CI cannot skip it)."""
    if not any(f.startswith("_amino") for f in (os.listdir(MUTANTS_PYBIND) if os.path.isdir(MUTANTS_PYBIND) else [])):
        if os.environ.get("AMINO_REQUIRE_MUTANTS"):
            pytest.fail(f"no Python package with mutants in {MUTANTS_PYBIND}: scripts/test.sh builds it")
        pytest.skip("needs build-mutants (scripts/mutants.sh or scripts/test.sh builds it)")
    return f"{MUTANTS_PYBIND}:{os.path.join(REPO, 'pybind')}"


def amino_cli(*args, mutant=None, pythonpath=None, timeout=600):
    env = dict(os.environ)
    env.pop("AMINO_MUTANT", None)
    if mutant:
        env["AMINO_MUTANT"] = mutant
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    return subprocess.run([sys.executable, "-m", "amino", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_hunt_catches_shrinks_and_replays_a_planted_bug(tmp_path):
    """The mutation self-check end to end: a hunt over the harness's own target finds a planted
    Raft bug (a quorum one vote short), shrinks it and saves it; the saved run replays with the
    same trace hash under the mutant and passes on the unmodified code."""
    path = mutants_package()
    out = tmp_path / "caught"
    r = amino_cli("hunt", "replicated_register", "--seeds", "40", "--check", "register", "--jobs", "2",
                  "--out", str(out), "--max-shrink-runs", "30", mutant="quorum_off_by_one", pythonpath=path)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "not linearizable" in r.stdout and "replay:" in r.stdout, r.stdout
    r = amino_cli("replay", str(out / "scenario.json"), mutant="quorum_off_by_one", pythonpath=path)
    assert r.returncode == 1 and "trace hash matches the saved run's" in r.stdout, r.stdout + r.stderr
    # The same scenario on the code as shipped (another binary: no saved hash to compare with) passes,
    # so the violation was the planted bug's.
    plain = tmp_path / "plain"
    plain.mkdir()
    shutil.copy(out / "scenario.json", plain / "scenario.json")
    r = amino_cli("replay", str(plain / "scenario.json"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "linearizable" in r.stdout and "not linearizable" not in r.stdout, r.stdout
