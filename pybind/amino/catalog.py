"""Scenario modules: scenarios/<name>/scenario.py, discovered by folder name.

A scenario module defines:
    DESCRIPTION = "one line"
    PARAMS = {"deployment": "cloud", ...}          # defaults, overridable with --param k=v
    def build(seed=1, **params) -> amino.Scenario
and optionally
    def reproduce(out_dir, processes=2) -> None    # every experiment + figures into out_dir
"""
import importlib.util
import os

from ._native import REPO

SCENARIO_DIR = os.path.join(REPO, "scenarios")


def names():
    """Scenario names, sorted: folders of scenarios/ holding a scenario.py."""
    if not os.path.isdir(SCENARIO_DIR):
        return []
    return sorted(d for d in os.listdir(SCENARIO_DIR) if os.path.isfile(os.path.join(SCENARIO_DIR, d, "scenario.py")))


_loaded = {}


def load(name):
    """Imports scenarios/<name>/scenario.py (once) and returns the module."""
    if name in _loaded:
        return _loaded[name]
    path = os.path.join(SCENARIO_DIR, name, "scenario.py")
    if not os.path.isfile(path):
        raise LookupError(f"no scenario named {name!r} (known: {', '.join(names()) or 'none'})")
    spec = importlib.util.spec_from_file_location(f"amino_scenario_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _loaded[name] = module
    return module


def build(name, seed=1, **params):
    """The Scenario of module `name` with its defaults overridden by params (unknown ones rejected)."""
    module = load(name)
    defaults = dict(getattr(module, "PARAMS", {}))
    unknown = sorted(set(params) - set(defaults))
    if unknown:
        raise ValueError(f"scenario {name!r} has no parameter(s) {', '.join(unknown)} "
                         f"(parameters: {', '.join(sorted(defaults)) or 'none'})")
    defaults.update(params)
    scenario = module.build(seed=seed, **defaults)
    scenario.origin = {"name": name, "params": dict(params)}
    return scenario
