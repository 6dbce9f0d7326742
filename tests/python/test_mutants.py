"""AMINO_MUTANT (docs/mutants.md) through the Python package: a build without mutants refuses every
name at import, loudly; a build with them (scripts/mutants.sh) selects the one named and refuses
unknown names."""
import os
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
