"""Finds and imports the compiled `_amino` extension.

Why a finder: the extension lives in a CMake build directory, which differs per developer. We look,
in order, at an already importable `_amino` (PYTHONPATH=<build>/pybind), at $AMINO_BUILD/pybind, and
at <repo>/build/pybind (the README's build), then other <repo>/build*/pybind (newest first), so `PYTHONPATH=<repo>/pybind python3 -m amino ...` works in a
checkout that has been built once.

AMINO_MUTANT=<name> runs one of the planted bugs of docs/mutants.md: the module is then looked for in
<repo>/build-mutants/pybind first (scripts/mutants.sh builds it), and the mutant is selected as soon
as the module loads, before any run is forked. A build without mutants, or an unknown name, is an
ImportError, never ignored. Without AMINO_MUTANT that build is never picked up implicitly.
"""
import glob
import importlib
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


MUTANTS_PYBIND_DIR = os.path.join(REPO, "build-mutants", "pybind")  # scripts/mutants.sh


def _mutant():
    return os.environ.get("AMINO_MUTANT", "")


def _candidates():
    env = os.environ.get("AMINO_BUILD")
    if env:
        yield os.path.join(env, "pybind")
    if _mutant():
        yield MUTANTS_PYBIND_DIR
    yield os.path.join(REPO, "build", "pybind")
    found = glob.glob(os.path.join(REPO, "build*", "pybind", "_amino*.so"))
    found.sort(key=os.path.getmtime, reverse=True)
    for so in found:
        if os.path.dirname(so) != MUTANTS_PYBIND_DIR:
            yield os.path.dirname(so)


def load():
    """Returns the `_amino` module, or raises ImportError saying how to build it."""
    try:
        return importlib.import_module("_amino")
    except ImportError:
        pass
    for directory in _candidates():
        if directory not in sys.path:
            sys.path.insert(0, directory)
        try:
            return importlib.import_module("_amino")
        except ImportError:
            sys.path.remove(directory)
    raise ImportError(
        "the compiled module _amino was not found. Build it with\n"
        "  cmake -S . -B build -G Ninja -DPython_EXECUTABLE=/usr/bin/python3 && "
        "cmake --build build --target _amino\n"
        "and run with PYTHONPATH=build/pybind:pybind (use /usr/bin/python3)")


def select_mutant(module):
    """Selects $AMINO_MUTANT's planted bug in `module` and returns its name ("" for none);
    ImportError when it cannot."""
    name = _mutant()
    if not name:
        return ""
    if not hasattr(module, "select_mutant"):
        raise ImportError(f"AMINO_MUTANT={name}: {module.__file__} predates mutants: rebuild it")
    try:
        module.select_mutant(name)
    except ValueError as e:
        raise ImportError(f"AMINO_MUTANT={name}: {e} (module {module.__file__})") from None
    return "" if name == "none" else name


native = load()
MUTANT = select_mutant(native)  # the planted bug this process runs, "" for none
BUILD_PYBIND_DIR = os.path.dirname(os.path.abspath(native.__file__))
