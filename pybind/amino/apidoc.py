"""The Python API reference, docs/python.md, generated from the code's signatures and docstrings.

    PYTHONPATH=build/pybind:pybind /usr/bin/python3 -m amino.apidoc > docs/python.md

tests/python/test_typed_api.py checks that docs/python.md is current and that every public callable
listed here has type hints and a docstring (`problems`).
"""
from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any, Iterator

import amino

# Modules a user imports. The others are the implementation behind `amino`'s own names (runner,
# results, scenario, ...: their public names are re-exported by the package and documented there)
# or private to one public module (timeline_page, timeline_faults) or the command line (__main__).
PUBLIC_MODULES = ["amino", "amino.check", "amino.history", "amino.nemesis", "amino.workload", "amino.guarantees",
                  "amino.hunt", "amino.timeline", "amino.catalog", "amino.report", "amino.figures", "amino.apidoc"]
INTERNAL_MODULES = ["amino.__main__", "amino._native", "amino._version", "amino._build_info", "amino.client",
                    "amino.netns_backend", "amino.results", "amino.runner", "amino.scenario", "amino.spec", "amino.timeline_faults",
                    "amino.timeline_page"]


def submodules() -> list[str]:
    """Every module of the package, by dotted name (the package itself excluded)."""
    return sorted(f"amino.{m.name}" for m in pkgutil.iter_modules(amino.__path__))


def _members(module_name: str) -> Iterator[tuple[str, Any]]:
    """(name, object) of a public module's public functions and classes: for the package, the names
    in amino.__all__ that are callables; for a submodule, those it defines itself."""
    module = importlib.import_module(module_name)
    if module_name == "amino":
        names = [n for n in module.__all__ if callable(getattr(module, n)) and not inspect.ismodule(getattr(module, n))]
    else:
        names = [n for n, obj in vars(module).items() if not n.startswith("_") and
                 (inspect.isfunction(obj) or inspect.isclass(obj)) and getattr(obj, "__module__", "") == module_name]
    for name in sorted(names):
        yield name, getattr(module, name)


def _class_members(cls: type) -> Iterator[tuple[str, Any]]:
    """A class's own public methods and properties, and its __init__ when it defines one."""
    for name, obj in sorted(vars(cls).items()):
        if name.startswith("_") and name != "__init__":
            continue
        if isinstance(obj, (staticmethod, classmethod)):
            obj = obj.__func__
        if inspect.isfunction(obj) or isinstance(obj, property):
            yield name, obj


def public_callables() -> Iterator[tuple[str, Any]]:
    """(dotted name, object) of every public callable: functions, classes, methods and properties."""
    for module_name in PUBLIC_MODULES:
        for name, obj in _members(module_name):
            yield f"{module_name}.{name}", obj
            if inspect.isclass(obj):
                for member, m in _class_members(obj):
                    if member == "__init__" and _is_generated(obj, m):
                        continue
                    yield f"{module_name}.{name}.{member}", m


def _is_generated(cls: type, init: Any) -> bool:
    """A dataclass's or an exception's __init__ written by Python, not by us."""
    return "__create_fn__" in getattr(init, "__qualname__", "") or init.__qualname__ != f"{cls.__qualname__}.__init__"


def problems(obj: Any) -> list[str]:
    """What a public callable lacks: its docstring, a type hint on a parameter, its return type."""
    out = []
    target = obj.fget if isinstance(obj, property) else obj
    if not (getattr(target, "__doc__", None) or "").strip() and not (inspect.isclass(obj) and obj.__doc__):
        if getattr(target, "__name__", "") != "__init__":  # __init__ is documented by its class
            out.append("no docstring")
    if inspect.isclass(obj):
        return out
    sig = inspect.signature(target)
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        if p.annotation is inspect.Parameter.empty:
            out.append(f"parameter {p.name!r} has no type hint")
    if target.__name__ != "__init__" and sig.return_annotation is inspect.Signature.empty:
        out.append("no return type")
    return out


class _Text:
    """An annotation shown as written: `from __future__ import annotations` keeps annotations as
    strings, which inspect would print with quotes."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _unquoted(sig: inspect.Signature, with_return: bool = True) -> str:
    def plain(a: Any) -> Any:
        return _Text(a) if isinstance(a, str) else a
    params = [p.replace(annotation=plain(p.annotation)) for p in sig.parameters.values()]
    ret = plain(sig.return_annotation) if with_return else inspect.Signature.empty
    return str(sig.replace(parameters=params, return_annotation=ret))


def _signature(obj: Any) -> str:
    """The call signature as written in the source; a class shows its constructor's parameters."""
    if inspect.isclass(obj):
        return _unquoted(inspect.signature(obj), with_return=False)
    target = obj.fget if isinstance(obj, property) else obj
    return _unquoted(inspect.signature(target))


def render() -> str:
    """docs/python.md: every public module, then its callables with signature and docstring."""
    lines = ["# Python API reference (`amino`)", "",
             "Generated from the code by `PYTHONPATH=build/pybind:pybind /usr/bin/python3 -m amino.apidoc > "
             "docs/python.md`; `tests/python/test_typed_api.py` fails when it is stale. Tutorial and file "
             "formats: `pybind/README.md`. Command line: `python3 -m amino --help`.", ""]
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        lines += [f"## `{module_name}`", "", inspect.cleandoc(module.__doc__ or "").split("\n\n")[0], ""]
        for name, obj in _members(module_name):
            kind = "class" if inspect.isclass(obj) else "def"
            lines += [f"### {kind} `{module_name}.{name}{_signature(obj)}`", "", _doc(obj), ""]
            if inspect.isclass(obj):
                for member, m in _class_members(obj):
                    if member == "__init__":
                        continue
                    if isinstance(m, property):
                        returns = getattr(m.fget, "__annotations__", {}).get("return")
                        head = f"- property `{member}`" + (f" → `{returns}`" if returns else "")
                    else:
                        head = f"- `{member}{_signature(m)}`"
                    doc = _doc(m)
                    lines += [head + (":" if doc else "")] + ["  " + line if line else "" for line in doc.splitlines()]
                lines.append("")
    while lines and lines[-1] == "":
        lines.pop()
    return "\n".join(lines) + "\n"


def _doc(obj: Any) -> str:
    target = obj.fget if isinstance(obj, property) else obj
    return inspect.cleandoc(getattr(target, "__doc__", None) or "")


if __name__ == "__main__":
    print(render(), end="")
