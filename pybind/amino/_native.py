"""Finds and imports the compiled `_amino` extension, and refuses one that does not match this package.

Where it looks, in order, and nowhere else:
  1. an already importable `_amino`: installed next to the package by `pip install .`, or on
     PYTHONPATH (PYTHONPATH=<build>/pybind:<repo>/pybind);
  2. $AMINO_BUILD/pybind (a CMake build directory of your choice);
  3. <repo>/build/pybind (the README's build).
A build directory is never guessed (no "newest of build*"): a stale build loaded silently gave
answers of old code. The module found must carry this package's version and native interface
number (amino/_version.py, compiled in by pybind/CMakeLists.txt), else ImportError saying how to
rebuild.

The repository (REPO: scenarios/, replay commands) is the checkout this file is in; an installed
package has none, so it uses the checkout it was built from, which setup.py records in
amino/_build_info.py (generated, never committed).

AMINO_MUTANT=<name> runs one of the planted bugs of docs/mutants.md: the module is then looked for in
<repo>/build-mutants/pybind first (scripts/mutants.sh builds it), and the mutant is selected as soon
as the module loads, before any run is forked. A build without mutants, or an unknown name, is an
ImportError, never ignored. Without AMINO_MUTANT that build is never picked up implicitly.
"""
import importlib
import os
import sys

from ._version import NATIVE_API, __version__


def _build_info():
    """(source dir, CMake build dir) of an installed package, from amino/_build_info.py, which
    setup.py writes; (None, None) in a checkout, which has no such file."""
    try:
        from . import _build_info
        return _build_info.SOURCE_DIR, _build_info.BUILD_DIR
    except ImportError:
        return None, None


def _repo():
    """The checkout: the one an installed package was built from, else the one this file is in
    (<repo>/pybind/amino/_native.py)."""
    installed_from, _ = _build_info()
    return installed_from or os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


REPO = _repo()
INSTALLED = _build_info()[0] is not None  # pip-installed (site-packages), not run from a checkout


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


def rebuild_command(so_path):
    """How to rebuild the module at `so_path`: CMake for a build tree's, pip for an installed one."""
    directory = os.path.dirname(os.path.abspath(so_path))
    tree = os.path.dirname(directory)
    if os.path.basename(directory) == "pybind" and os.path.isfile(os.path.join(tree, "CMakeCache.txt")):
        return f"cmake --build {tree} --target _amino"
    _, build_dir = _build_info()
    where = f"AMINO_BUILD={build_dir} " if build_dir and build_dir != os.path.join(REPO, "build") else ""
    return f"{where}pip install --no-build-isolation --no-index {REPO}"


def check_version(module, version=__version__, native_api=NATIVE_API):
    """Returns `module` if it was built from this package's _version.py, else raises ImportError
    naming both sides' values, the module's path and the rebuild command."""
    theirs = (getattr(module, "__version__", None), getattr(module, "NATIVE_API", None))
    if theirs == (version, native_api):
        return module
    path = getattr(module, "__file__", "?")
    built = ("predates versioning (no __version__)" if theirs == (None, None)
             else f"is version {theirs[0]}, native API {theirs[1]}")
    raise ImportError(
        f"the compiled module {path} {built}, but this amino package "
        f"({os.path.dirname(os.path.abspath(__file__))}) is version {version}, native API {native_api}: "
        f"rebuild it with\n  {rebuild_command(path)}")


def load():
    """Returns the `_amino` module, or raises ImportError saying how to build it (or rebuild it,
    when the one found does not match this package)."""
    try:
        return check_version(importlib.import_module("_amino"))
    except ModuleNotFoundError:
        pass
    for directory in _candidates():
        if directory in sys.path:
            continue  # already tried by the plain import above
        sys.path.insert(0, directory)
        try:
            return check_version(importlib.import_module("_amino"))
        except ModuleNotFoundError:
            sys.path.remove(directory)
    raise ImportError(
        "the compiled module _amino was not found. Build it with\n"
        "  cmake -S . -B build -G Ninja -DPython_EXECUTABLE=/usr/bin/python3 && "
        "cmake --build build --target _amino\n"
        "and run with PYTHONPATH=build/pybind:pybind (use /usr/bin/python3), or install the package: "
        "pip install --no-build-isolation --no-index . (pybind/README.md)")


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


def version_text():
    """`amino --version`: this package's version and place, the native module's version and path."""
    package = os.path.dirname(os.path.abspath(__file__))
    return (f"amino {__version__} ({package})\n"
            f"_amino {native.__version__}, native API {native.NATIVE_API} ({os.path.abspath(native.__file__)})")
