"""The one source of truth for the package version and the native interface number.

pybind/CMakeLists.txt reads both lines below (a regex: keep them literal `NAME = value`) and
compiles them into `_amino` (`_amino.__version__`, `_amino.NATIVE_API`); pyproject.toml reads
__version__. `amino._native` refuses a compiled module whose values differ from these, so a stale
build is an ImportError naming the rebuild command, never a silent mismatch.

Bump NATIVE_API whenever what `_amino` exposes changes (a function, argument or JSON shape that
the Python package relies on); bump __version__ on releases.
"""
__version__ = "0.1.0"
NATIVE_API = 2
