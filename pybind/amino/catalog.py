"""Scenario modules: scenarios/<name>/scenario.py, discovered by folder name.

A scenario module defines:
    DESCRIPTION = "one line"
    PARAMS = {"deployment": "cloud", ...}          # defaults, overridable with --param k=v
    def build(seed=1, **params) -> amino.Scenario
and optionally
    PARAM_RANGES = {"duration": (1.0, 1e6)}        # inclusive bounds of numeric parameters
    def reproduce(out_dir, processes=2) -> None    # every experiment + figures into out_dir

A parameter takes the type of its default: "--param partition=no" is False (bool parameters accept
true/false, yes/no, on/off, 1/0 in any case and nothing else), numbers must be finite and within
PARAM_RANGES, strings are taken as given. Every scenario's duration is also checked by the C++
validation, (0, 1e6] s.
"""
from __future__ import annotations

import importlib.util
import json
import math
import os
import re
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .scenario import Scenario

from ._native import REPO

SCENARIO_DIR = os.path.join(REPO, "scenarios")


def names() -> list[str]:
    """Scenario names, sorted: folders of scenarios/ holding a scenario.py."""
    if not os.path.isdir(SCENARIO_DIR):
        return []
    return sorted(d for d in os.listdir(SCENARIO_DIR) if os.path.isfile(os.path.join(SCENARIO_DIR, d, "scenario.py")))


def discover(directory: str) -> list[str]:
    """Scenario modules in `directory`, as paths `run` accepts: each <directory>/<name>/scenario.py
    (the layout of scenarios/) and each <directory>/*.py that defines build(), sorted. ValueError
    when `directory` is not a directory; a file that fails to import is listed (run says why)."""
    if not os.path.isdir(directory):
        raise ValueError(f"--path {directory!r} is not a directory")
    found = []
    for entry in sorted(os.listdir(directory)):
        path = os.path.join(directory, entry)
        if os.path.isfile(os.path.join(path, "scenario.py")):
            found.append(os.path.join(path, "scenario.py"))
        elif entry.endswith(".py") and os.path.isfile(path) and _defines_build(path):
            found.append(path)
    return found


def _defines_build(path: str) -> bool:
    """Whether a .py file has a top-level `def build` (read, not imported: listing runs no code)."""
    try:
        with open(path, encoding="utf-8") as f:
            return re.search(r"^def build\(", f.read(), re.M) is not None
    except (OSError, UnicodeDecodeError):
        return False


_loaded: dict[str, ModuleType] = {}


def load(name: str) -> ModuleType:
    """Imports scenarios/<name>/scenario.py, or the scenario module at path `name` (a .py file), once
    and returns the module."""
    if name in _loaded:
        return _loaded[name]
    if name.endswith(".py"):
        path = os.path.abspath(name)
        if not os.path.isfile(path):
            raise LookupError(f"no scenario file {name!r}")
        module_name = "amino_scenario_" + re.sub(r"\W", "_", os.path.splitext(os.path.basename(path))[0])
    else:
        path = os.path.join(SCENARIO_DIR, name, "scenario.py")
        if not os.path.isfile(path):
            raise LookupError(f"no scenario named {name!r} (known: {', '.join(names()) or 'none'}; "
                              "or give a path to a .py file)")
        module_name = f"amino_scenario_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise LookupError(f"{path} cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if not callable(getattr(module, "build", None)):
        raise LookupError(f"scenario module {path} defines no build(seed, **params)")
    _loaded[name] = module
    return module


_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
_INT = re.compile(r"[-+]?[0-9]+")


def _as_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        if value.strip().lower() in _TRUE:
            return True
        if value.strip().lower() in _FALSE:
            return False
    raise ValueError(f"expected a boolean (true/false, yes/no, on/off, 1/0), got {value!r}")


def _as_int(value):
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INT.fullmatch(value.strip()):
        return int(value)
    raise ValueError(f"expected an integer, got {value!r}")


def _as_float(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
    else:
        raise ValueError(f"expected a number, got {value!r}")
    if not math.isfinite(number):
        raise ValueError(f"expected a finite number, got {value!r}")
    return number


def _as_str(value):
    if isinstance(value, str):
        # The replay command writes strings as JSON ("cloud" with its quotes); take either form.
        if value.startswith('"'):
            try:
                decoded = json.loads(value)
                if isinstance(decoded, str):
                    return decoded
            except json.JSONDecodeError:
                pass
        return value
    raise ValueError(f"expected a string, got {value!r}")


def _as_json(value):
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def coerce_param(module: ModuleType, key: str, value: Any) -> Any:
    """`value` (a Python value, or the text of --param) as the type of module.PARAMS[key], checked
    against module.PARAM_RANGES. Raises ValueError naming the parameter."""
    default = getattr(module, "PARAMS", {})[key]
    if isinstance(default, bool):
        convert = _as_bool
    elif isinstance(default, int):
        convert = _as_int
    elif isinstance(default, float):
        convert = _as_float
    elif isinstance(default, str):
        convert = _as_str
    else:
        convert = _as_json
    try:
        out = convert(value)
        low, high = getattr(module, "PARAM_RANGES", {}).get(key, (None, None))
        if (low is not None and out < low) or (high is not None and out > high):
            raise ValueError(f"{out!r} is out of range (allowed: {low} .. {high})")
    except ValueError as e:
        raise ValueError(f"parameter {key} of scenario {module.__name__.replace('amino_scenario_', '')!r}: {e}") from None
    return out


def build(name: str, seed: int = 1, **params: Any) -> Scenario:
    """The Scenario of module `name` with its defaults overridden by params (unknown ones rejected,
    the others converted to their default's type by coerce_param)."""
    module = load(name)
    defaults = dict(getattr(module, "PARAMS", {}))
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(f"scenario {name!r} has no parameter(s) {', '.join(unknown)} "
                         f"(parameters: {', '.join(sorted(defaults)) or 'none'})")
    params = {k: coerce_param(module, k, v) for k, v in params.items()}
    defaults.update(params)
    scenario = module.build(seed=seed, **defaults)
    # A scenario file is named by its absolute path, so its replay command works from any directory.
    scenario.origin = {"name": os.path.abspath(name) if name.endswith(".py") else name, "params": dict(params)}
    return scenario
