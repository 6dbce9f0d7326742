"""Builds the native `_amino` module with this checkout's CMake for `pip install .` (pyproject.toml
holds the metadata; pybind/README.md, "Install the Python package").

Why CMake and not setuptools' compiler: `_amino` links the whole runtime (SimGrid, Boost.Asio,
Protobuf, ...) that CMake already knows how to build. The build is the README's: ./build by default,
or $AMINO_BUILD. A tree without CMakeCache.txt is configured the way scripts/configure.sh configures
every tree, for the interpreter running pip; a configured tree is only built (its own options, such
as a Debug or mutants build, are kept), and only the `_amino` target, so a second `pip install .`
on a built tree compiles nothing. The installed package records this checkout (amino/_build_info.py)
to find scenarios/ in it.
"""
import glob
import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py
from setuptools.errors import ExecError

REPO = os.path.dirname(os.path.abspath(__file__))


def cmake_build_dir():
    return os.path.abspath(os.environ.get("AMINO_BUILD") or os.path.join(REPO, "build"))


def _interpreter():
    """The interpreter running pip; in a venv, the one it was made from (the same binary and ABI,
    but a path that outlives the venv, since the build tree keeps it)."""
    return getattr(sys, "_base_executable", None) or sys.executable


def _run(argv, **kwargs):
    print("amino setup.py:", " ".join(argv), flush=True)
    if subprocess.run(argv, **kwargs).returncode != 0:
        raise ExecError(f"`{' '.join(argv)}` failed (output above)")


def build_native(build_dir):
    """Configures `build_dir` if it has never been configured, then builds its `_amino` target;
    returns the module's path."""
    for tool in ("cmake", "ninja"):
        if not shutil.which(tool):
            raise ExecError(f"{tool} not found: building the native module needs CMake and Ninja "
                            "(bash scripts/setup.sh installs them: Debian packages cmake, ninja-build)")
    jobs = os.environ.get("AMINO_JOBS") or str(os.cpu_count() or 1)
    if not os.path.isfile(os.path.join(build_dir, "CMakeCache.txt")):
        # scripts/configure.sh is the one place that says how a tree is configured (generator,
        # build type, ccache); the later -DPython_EXECUTABLE overrides its default.
        _run(["bash", "-c", 'source scripts/configure.sh && amino_build "$@"', "amino_build", build_dir,
              f"-DPython_EXECUTABLE={_interpreter()}", "--", "_amino"],
             cwd=REPO, env=dict(os.environ, AMINO_JOBS=jobs))
    else:
        _run(["cmake", "--build", build_dir, "-j", jobs, "--target", "_amino"], cwd=REPO,
             env={k: v for k, v in os.environ.items() if k != "AMINO_MUTANT"})  # as configure.sh
    built = sorted(glob.glob(os.path.join(build_dir, "pybind", "_amino*.so")))
    if not built:
        raise ExecError(f"the build of {build_dir} made no pybind/_amino*.so")
    return built


class CMakeBuildExt(build_ext):
    """Puts the `_amino` that CMake built into the wheel (no compile here)."""

    def build_extension(self, ext):
        build_dir = cmake_build_dir()
        built = build_native(build_dir)
        target = self.get_ext_fullpath(ext.name)
        wanted = os.path.basename(target)
        match = [so for so in built if os.path.basename(so) == wanted]
        if not match:
            raise ExecError(
                f"{build_dir} holds {', '.join(map(os.path.basename, built))}, built for another Python "
                f"than {sys.executable} (which needs {wanted}): pick another tree with AMINO_BUILD=<dir> "
                f"(a new one is configured for this interpreter)")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        # Without its debug information (107 of the RelWithDebInfo module's 112 MB): zipping that
        # took most of a `pip install`; the build tree keeps the full module for debuggers.
        if shutil.which("objcopy"):
            _run(["objcopy", "--strip-debug", match[0], target])
        else:
            shutil.copyfile(match[0], target)


    def copy_extensions_to_source(self):
        """`pip install -e .` (or --inplace) would copy the module into pybind/, where it would go
        stale at the next build and shadow it: amino._native finds the build tree's instead."""
        build_dir = cmake_build_dir()
        print(f"amino setup.py: editable install: amino loads _amino from {build_dir}/pybind"
              + ("" if build_dir == os.path.join(REPO, "build") else f" (run with AMINO_BUILD={build_dir})"))


class BuildPyWithInfo(build_py):
    """The pure-Python package plus amino/_build_info.py: where this checkout and its build are."""

    def run(self):
        super().run()
        path = os.path.join(self.build_lib, "amino", "_build_info.py")
        with open(path, "w") as f:
            f.write('"""Written by setup.py when the package was built (not in the repository): amino._native\n'
                    'finds scenarios/ in SOURCE_DIR, the checkout this package was built from."""\n'
                    f"SOURCE_DIR = {REPO!r}\n"
                    f"BUILD_DIR = {cmake_build_dir()!r}\n")


# setuptools' own staging (build/lib.*, build/bdist.*) and its egg-info go inside the CMake tree,
# not into ./build's top level or the source tree.
_staging = os.path.join(cmake_build_dir(), "python-package")
os.makedirs(_staging, exist_ok=True)
setup(ext_modules=[Extension("_amino", sources=[])],
      cmdclass={"build_ext": CMakeBuildExt, "build_py": BuildPyWithInfo},
      options={"build": {"build_base": _staging}, "egg_info": {"egg_base": _staging}})
