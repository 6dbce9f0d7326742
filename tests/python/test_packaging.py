"""The installable package (pyproject.toml + setup.py, issue 13 part 1): `pip install .` into a venv
made with --system-site-packages gives an `amino` that imports from any directory without PYTHONPATH,
with its native module inside the venv and an `amino` console script; and `amino._native` refuses a
compiled module that does not match the Python package, and guesses no build directory.

The install reuses the build these tests run against (AMINO_BUILD=<its tree>), so it compiles nothing."""
import json
import os
import shutil
import subprocess
import sys

import pytest

import amino
from amino import _native, _version, catalog

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_TREE = os.path.dirname(_native.BUILD_PYBIND_DIR)


def clean_env(**extra):
    """The environment without anything that would point Python at the checkout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AMINO_BUILD", "AMINO_MUTANT")}
    env.update(extra)
    return env


def untracked():
    """Files git would see as new in the checkout (None without git)."""
    if shutil.which("git") is None:
        return None
    ran = subprocess.run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=all"],
                         capture_output=True, text=True, timeout=60)
    return set(ran.stdout.splitlines()) if ran.returncode == 0 else None


@pytest.fixture(scope="module")
def venv(tmp_path_factory):
    """A venv with the package installed from this checkout; (venv dir, pip's output)."""
    if not os.path.isfile(os.path.join(BUILD_TREE, "CMakeCache.txt")):
        pytest.skip(f"the tests run against {_native.BUILD_PYBIND_DIR}, not a CMake build tree to install from")
    for module in ("venv", "ensurepip", "pip"):
        if subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode != 0:
            pytest.skip(f"{sys.executable} lacks {module} (Debian: python3-venv, python3-pip; scripts/setup.sh)")
    directory = tmp_path_factory.mktemp("pkg") / "venv"
    made = subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(directory)],
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stdout + made.stderr
    before = untracked()
    pip = subprocess.run([str(directory / "bin" / "python"), "-m", "pip", "install", "--no-build-isolation",
                          "--no-index", "--no-cache-dir", "--verbose", REPO],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900,
                         cwd=str(directory), env=clean_env(AMINO_BUILD=BUILD_TREE))
    assert pip.returncode == 0, pip.stdout[-8000:]
    after = untracked()
    if before is not None and after is not None:
        assert after - before == set(), f"pip left files in the checkout: {sorted(after - before)}"
    return directory, pip.stdout


def in_venv(argv):
    """Runs argv (the venv's interpreter or script) from / without PYTHONPATH."""
    return subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd="/", env=clean_env())


def test_install_reuses_the_build_and_compiles_nothing(venv):
    _, out = venv
    assert f"cmake --build {BUILD_TREE} -j" in out and "--target _amino" in out, out[-3000:]
    assert "Building CXX object" not in out and "Linking" not in out, (
        "pip install compiled or linked: was the tree built before the tests? " + out[-3000:])


def test_import_from_anywhere_without_pythonpath(venv):
    directory, _ = venv
    code = ("import json, os, amino, amino._native as n; "
            "print(json.dumps({'package': amino.__file__, 'native': n.native.__file__, 'repo': n.REPO, "
            "'dms': amino.catalogue()['dms'], 'files': os.listdir(os.path.dirname(amino.__file__))}))")
    ran = in_venv([str(directory / "bin" / "python"), "-c", code])
    assert ran.returncode == 0, ran.stderr
    got = json.loads(ran.stdout)
    site = str(directory)
    assert got["package"].startswith(site + os.sep), got["package"]
    assert got["native"].startswith(site + os.sep), got["native"]
    assert got["repo"] == REPO  # scenarios/ come from the checkout the package was built from
    assert got["dms"] == amino.catalogue()["dms"] and got["dms"]
    assert {"timeline.js", "timeline.css", "py.typed", "_build_info.py", "_version.py"} <= set(got["files"])


def test_console_script_version(venv):
    directory, _ = venv
    ran = in_venv([str(directory / "bin" / "amino"), "--version"])
    assert ran.returncode == 0, ran.stderr
    package, native = ran.stdout.splitlines()
    assert package.startswith(f"amino {_version.__version__} ({directory}")
    assert native.startswith(f"_amino {_version.__version__}, native API {_version.NATIVE_API} ({directory}")
    usage = in_venv([str(directory / "bin" / "amino"), "--help"])
    assert usage.returncode == 0 and usage.stdout.startswith("usage: amino "), usage.stdout[:200]


def test_console_script_lists_the_checkouts_scenarios(venv):
    directory, _ = venv
    ran = in_venv([str(directory / "bin" / "amino"), "list"])
    assert ran.returncode == 0, ran.stderr
    listed = [line.split()[0] for line in ran.stdout.splitlines() if line and not line[0].isspace()]
    assert listed == catalog.names() and listed


def test_console_script_runs_a_scenario_like_the_build_tree(venv, tmp_path):
    """The installed module (the build's, without debug information) gives the build's trace hash."""
    directory, _ = venv
    ran = in_venv([str(directory / "bin" / "amino"), "run", "immutable", "--seed", "3",
                              "--out", str(tmp_path / "out")])
    assert ran.returncode == 0, ran.stdout + ran.stderr
    expected = amino.run(catalog.build("immutable", seed=3)).trace_hash
    assert f"trace hash: {expected}" in ran.stdout, ran.stdout
    assert json.loads((tmp_path / "out" / "result.json").read_text())["trace_hash"] == expected
    # Its replay command uses the venv's interpreter, which finds the installed package by itself.
    replay = ran.stdout.strip().splitlines()[-1]
    assert replay.startswith(f"replay: cd {amino._native.REPO} && {directory / 'bin' / 'python'} -m amino run immutable"), replay
    assert "PYTHONPATH" not in replay


def import_copy(tmp_path, version=None, native_api=None, build=None):
    """`import amino` from a copy of the package whose _version.py says `version` / `native_api`
    (default: the real ones), in a fresh interpreter; `build` is the only _amino directory on its
    path (default: the real build's). Returns the finished process."""
    package = tmp_path / "pkg" / "amino"
    shutil.copytree(os.path.dirname(amino.__file__), package, ignore=shutil.ignore_patterns("__pycache__"))
    (package / "_version.py").write_text(f"__version__ = {version or _version.__version__!r}\n"
                                         f"NATIVE_API = {native_api or _version.NATIVE_API}\n")
    env = clean_env(PYTHONPATH=os.pathsep.join([str(package.parent), build or _native.BUILD_PYBIND_DIR]))
    return subprocess.run([sys.executable, "-c", "import amino; print(amino.catalogue()['dms'][0])"],
                          capture_output=True, text=True, timeout=60, cwd=str(tmp_path), env=env)


def test_the_native_module_carries_the_packages_version():
    assert (_native.native.__version__, _native.native.NATIVE_API) == (_version.__version__, _version.NATIVE_API)
    assert isinstance(_native.native.NATIVE_API, int)


def test_a_matching_copy_imports(tmp_path):
    ran = import_copy(tmp_path)
    assert ran.returncode == 0, ran.stderr


@pytest.mark.parametrize("field", ["version", "native_api"])
def test_a_mismatched_native_module_is_an_import_error(tmp_path, field):
    """The real build's module under a package whose _version.py moved on (say, after a pull
    without a rebuild): ImportError naming both sides, the module's path and the rebuild command."""
    wrong = {"version": "99.0.0", "native_api": _version.NATIVE_API + 1}[field]
    ran = import_copy(tmp_path, **{field: wrong})
    assert ran.returncode != 0, ran.stdout
    err = ran.stderr
    so = _native.native.__file__
    assert "ImportError: the compiled module" in err, err
    assert f"{so} is version {_version.__version__}, native API {_version.NATIVE_API}" in err, err
    expected_version = wrong if field == "version" else _version.__version__
    expected_api = wrong if field == "native_api" else _version.NATIVE_API
    assert f"is version {expected_version}, native API {expected_api}: rebuild it with" in err, err
    assert f"cmake --build {BUILD_TREE} --target _amino" in err, err


def test_no_build_directory_is_guessed(tmp_path):
    """A checkout without build/ but with another build*/pybind holding a module: not found (the old
    finder loaded the newest build*/ silently)."""
    repo = tmp_path / "checkout"
    shutil.copytree(os.path.dirname(amino.__file__), repo / "pybind" / "amino",
                    ignore=shutil.ignore_patterns("__pycache__", "_build_info.py"))  # a checkout's package
    (repo / "build-other" / "pybind").mkdir(parents=True)
    os.symlink(_native.native.__file__, repo / "build-other" / "pybind" / os.path.basename(_native.native.__file__))
    env = clean_env(PYTHONPATH=str(repo / "pybind"))
    ran = subprocess.run([sys.executable, "-c", "import amino"], capture_output=True, text=True, timeout=60,
                         cwd=str(tmp_path), env=env)
    assert ran.returncode != 0
    assert "ImportError: the compiled module _amino was not found" in ran.stderr, ran.stderr
    ran = subprocess.run([sys.executable, "-c", "import amino._native as n; print(n.native.__file__)"],
                         capture_output=True, text=True, timeout=60, cwd=str(tmp_path),
                         env=dict(env, AMINO_BUILD=str(repo / "build-other")))
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == str(repo / "build-other" / "pybind" / os.path.basename(_native.native.__file__))
