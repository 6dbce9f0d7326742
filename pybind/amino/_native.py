"""Finds and imports the compiled `_amino` extension.

Why a finder: the extension lives in a CMake build directory, which differs per developer. We look,
in order, at an already importable `_amino` (PYTHONPATH=<build>/pybind), at $AMINO_BUILD/pybind, and
at <repo>/build/pybind (the README's build), then other <repo>/build*/pybind (newest first), so `PYTHONPATH=<repo>/pybind python3 -m amino ...` works in a
checkout that has been built once.
"""
import glob
import importlib
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _candidates():
    env = os.environ.get("AMINO_BUILD")
    if env:
        yield os.path.join(env, "pybind")
    yield os.path.join(REPO, "build", "pybind")
    found = glob.glob(os.path.join(REPO, "build*", "pybind", "_amino*.so"))
    found.sort(key=os.path.getmtime, reverse=True)
    for so in found:
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


native = load()
BUILD_PYBIND_DIR = os.path.dirname(os.path.abspath(native.__file__))
