"""Deployment-manager specs from Python values.

A spec can be YAML text, a YAML file, or a Python dict. Dicts are rendered as JSON with indentation:
JSON is valid YAML, so the C++ parser (runtime/spec.h) reads it unchanged and its line/field errors
still point somewhere sensible.
"""
from __future__ import annotations

import json
import os
from typing import Any, Iterable, Optional, Union


def dm_list(dms: Optional[Iterable[Any]]) -> list[dict]:
    """Normalises ["KeepInCloud", ("LeaseCaching", {"leaseMs": 500}), {"name": ..., "config": ...}]."""
    out: list[dict] = []
    for dm in dms or []:
        if isinstance(dm, str):
            out.append({"name": dm})
        elif isinstance(dm, tuple):
            name, config = dm
            out.append({"name": name, "config": dict(config)})
        elif isinstance(dm, dict):
            out.append(dict(dm))
        else:
            raise TypeError(f"a DM is a name, (name, config) or a dict, not {dm!r}")
    return out


def spec_dict(cls: str, args: Iterable[Any] = (), dms: Iterable[Any] = (), selector: Optional[list] = None) -> dict:
    """The spec of one microservice as a dict in the YAML schema of runtime/spec.h."""
    spec: dict[str, Any] = {"class": cls}
    if args:
        spec["args"] = list(args)
    if selector:
        spec["nodeSelector"] = selector
    listed = dm_list(dms)
    if listed:
        spec["dmList"] = listed
    return spec


def to_yaml(spec: Union[str, dict]) -> str:
    """YAML text for a spec given as text, a path to a .yaml/.yml file, or a dict."""
    if isinstance(spec, dict):
        return json.dumps(spec, indent=2) + "\n"
    if isinstance(spec, str) and spec.endswith((".yaml", ".yml")) and "\n" not in spec:
        if not os.path.exists(spec):
            raise FileNotFoundError(f"spec file {spec} does not exist")
        with open(spec) as f:
            return f.read()
    if isinstance(spec, str):
        return spec
    raise TypeError(f"a spec is YAML text, a .yaml path or a dict, not {type(spec).__name__}")


def selector(**labels: str) -> list:
    """nodeSelector requiring label=value for each keyword (one ANDed term)."""
    return [[{"key": k, "operator": "in", "values": [v]} for k, v in labels.items()]]
