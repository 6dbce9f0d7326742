"""The public API is typed and documented: every public callable of the `amino` package (the names in
amino.__all__, the public functions and classes of its public modules, and their public methods)
has a docstring and type hints on every parameter and its return; the package ships py.typed; and
docs/python.md, generated from the code by `python3 -m amino.apidoc`, is current."""
import os
import subprocess
import sys

import amino
from amino import apidoc

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_every_public_callable_has_hints_and_a_docstring():
    callables = list(apidoc.public_callables())
    assert len(callables) > 100  # the walk found the API, not an empty list
    names = {name for name, _ in callables}
    for expected in ("amino.run", "amino.sweep", "amino.Scenario.partition", "amino.Results.records_frame",
                     "amino.check.linearizable", "amino.nemesis.generate", "amino.timeline.write"):
        assert expected in names, expected
    problems = [f"{name}: {p}" for name, obj in callables for p in apidoc.problems(obj)]
    assert problems == [], "\n".join(problems)


def test_every_module_is_public_or_internal():
    """A new module must be classified: documented and checked here, or internal."""
    assert set(apidoc.submodules()) - {"amino._build_info"} <= set(apidoc.PUBLIC_MODULES) | set(apidoc.INTERNAL_MODULES)
    assert not set(apidoc.PUBLIC_MODULES) & set(apidoc.INTERNAL_MODULES)


def test_the_package_is_marked_typed():
    assert os.path.isfile(os.path.join(os.path.dirname(amino.__file__), "py.typed"))


def test_docs_python_md_is_generated_from_the_code():
    with open(os.path.join(REPO, "docs", "python.md"), encoding="utf-8") as f:
        committed = f.read()
    assert committed == apidoc.render(), (
        "docs/python.md is stale: regenerate it with "
        "PYTHONPATH=build/pybind:pybind /usr/bin/python3 -m amino.apidoc > docs/python.md")


def test_help_explains_the_module_and_its_functions():
    text = subprocess.run([sys.executable, "-c", "import amino; help(amino.sweep); help(amino.Results)"],
                          capture_output=True, text=True, env=dict(os.environ, PAGER="cat"), timeout=120).stdout
    assert "executor" in text and "timeout" in text and "records_frame" in text
    assert "-> 'SweepResults'" in text or "-> SweepResults" in text or "-> amino.results.SweepResults" in text


def test_mypy_finds_no_type_errors():
    """The hints are checked, not decoration: mypy (Debian's package, scripts/setup.sh) over the
    package; the compiled _amino and pandas have no stubs, so their imports are Any."""
    package = os.path.dirname(amino.__file__)
    ran = subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", "--ignore-missing-imports",
                          "--cache-dir", "/dev/null", package], capture_output=True, text=True, timeout=600)
    assert "No module named mypy" not in ran.stderr, "mypy is missing: apt install mypy (scripts/setup.sh installs it)"
    assert ran.returncode == 0, ran.stdout[-4000:] + ran.stderr[-2000:]
    assert "Success: no issues found" in ran.stdout
