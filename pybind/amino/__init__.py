"""amino: describe Amino++ simulation experiments as data and run them in forked children.

    import amino
    sc = (amino.Scenario(seed=1, duration=20)
          .host("cloud", "cloud_server", labels={"tier": "cloud"})
          .host("phone", "phone_wifi")
          .deploy("c", on="phone", cls="VisitCounter", dms=["KeepInCloud"])
          .client("p", node="phone", target="c", calls=[amino.call("visit")], count=10))
    res = amino.run(sc)            # Results: .records, .to_csv(), .summary(), .trace_hash, .replay_command

See pybind/README.md.
"""
from __future__ import annotations

from . import check, history, nemesis, workload
from .client import AppError, Client, RemoteError, connect
from .results import FIELDS, Results, SweepResults
from .runner import ScenarioError, replay_command, run, sweep, validate
from .scenario import Scenario, call, preset
from .spec import selector, spec_dict, to_yaml
from ._native import native as _native_module
import json as _json


def catalogue() -> dict:
    """The C++ registries as a dict:
    'dms': DM names (sorted); 'descriptors': one dict per DM, in that order, with every field of its
    DmDescriptor: name, category, summary, paper, source, guarantee, tolerates, caveats, durable, and
    config: [{name, type, default, min, max, doc}] (min/max None when unbounded or not numeric);
    'categories': {category: {'dms': [...], 'why': ...}}; 'forbidden': [{outer, inner, reason}];
    'classes': {class: {method: {'arity', 'read_only'}}}. `amino-ctl dms` and docs/dm-catalogue.md
    show the same descriptors."""
    return _json.loads(_native_module.catalogue())


def offload_calibration(model: str = "v1", **params: bool | float) -> dict:
    """The code-offloading calibration as a dict (speeds, latencies, predictions): model "v1"
    (scenarios/code_offloading/calibration.h) or "v2" (mechanisms.h: serialization, asymmetric
    links, TCP, 3G radio), whose parameters can be overridden (CALIBRATION.md §9)."""
    if model == "v1":
        if params:
            raise ValueError("model v1 has no parameters")
        return _json.loads(_native_module.offload_calibration())
    if model == "v2":
        return _json.loads(_native_module.offload_mechanism_calibration(_json.dumps(params)))
    raise ValueError(f"unknown offloading model {model!r} (v1 or v2)")


def paper_request(workload: str, seed: int = 1) -> bytes:
    """Encoded paper-size request (bytes) of an offloading workload: Physics, Sudoku, ..."""
    return _native_module.paper_request(workload, seed)


__all__ = ["Scenario", "call", "preset", "run", "sweep", "validate", "Results", "ScenarioError", "FIELDS",
           "selector", "spec_dict", "to_yaml", "catalogue", "offload_calibration", "paper_request",
           "replay_command", "SweepResults", "connect", "Client", "RemoteError", "AppError", "check", "history", "nemesis",
           "workload"]
