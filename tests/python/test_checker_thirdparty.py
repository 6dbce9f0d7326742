"""Third-party agreement (issue 16, section 2): our linearizability checker gives, on every history of
tests/check/thirdparty/manifest.json (Porcupine's Jepsen etcd and kv logs, Knossos' cas-register
histories, converted by tests/check/thirdparty/convert.py), the verdict the upstream tests assert.
Histories marked "in_tests": false (the largest) run only in bench/checker_vs_porcupine.sh, which also
checks them with Porcupine itself. The converter's own cases below need no checker."""
import importlib
import importlib.util
import json
import os

import pytest

THIRDPARTY = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "check", "thirdparty")
with open(os.path.join(THIRDPARTY, "manifest.json"), encoding="utf-8") as _f:
    MANIFEST = json.load(_f)
VERDICTS = ("linearizable", "not linearizable", "unknown")

_spec = importlib.util.spec_from_file_location("thirdparty_convert", os.path.join(THIRDPARTY, "convert.py"))
convert = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(convert)


def _checker():
    """amino.check.linearizable, or None while the lead's checker is not on this branch (only a missing
    amino/check.py skips: once it exists, failing to import it fails these tests)."""
    try:
        module = importlib.import_module("amino.check")
    except ModuleNotFoundError as e:
        if e.name != "amino.check":
            raise
        return None
    return module.linearizable


linearizable = _checker()
needs_checker = pytest.mark.skipif(linearizable is None,
                                   reason="amino.check.linearizable (issue 16's checker) is not on this branch yet")


@needs_checker
@pytest.mark.parametrize("entry", [e for e in MANIFEST if e["in_tests"]], ids=lambda e: e["file"])
def test_checker_agrees_with_upstream_verdict(entry):
    result = linearizable(os.path.join(THIRDPARTY, entry["file"]), model=entry["model"])
    assert result.verdict in VERDICTS, result.verdict
    assert result.verdict == entry["expected"], (entry["file"], entry["verdict_ref"])


def test_manifest_describes_every_committed_history():
    listed = {e["file"] for e in MANIFEST}
    on_disk = {"histories/" + name for name in os.listdir(os.path.join(THIRDPARTY, "histories"))}
    assert listed == on_disk
    for e in MANIFEST:
        assert e["expected"] in VERDICTS[:2] and e["model"] in ("register", "kv"), e
        assert e["source"]["repo"] in (convert.PORCUPINE, convert.KNOSSOS) and len(e["source"]["commit"]) == 40
    # Both verdicts in each source, so agreement cannot come from a checker that always says one thing.
    for fmt in ("etcd", "porcupine-kv", "knossos-cas"):
        assert {e["expected"] for e in MANIFEST if e["format"] == fmt} == set(VERDICTS[:2]), fmt


def test_etcd_log_keeps_jepsen_outcomes():
    log = ["INFO  jepsen.util - 0\t:invoke\t:read\tnil",
           "INFO  jepsen.util - 1\t:invoke\t:cas\t[3 0]",
           "INFO  jepsen.util - 0\t:ok\t:read\tnil",
           "INFO  jepsen.util - 1\t:fail\t:cas\t[3 0]",
           "INFO  jepsen.util - 2 :invoke :write  4",
           "INFO  jepsen.util - 2 :info   :write  :timed-out"]
    assert convert.etcd_log(log) == [
        {"process": 0, "type": "invoke", "f": "read", "value": None},
        {"process": 1, "type": "invoke", "f": "cas", "value": [3, 0]},
        {"process": 0, "type": "ok", "f": "read", "value": None},
        {"process": 1, "type": "fail", "f": "cas", "value": [3, 0]},
        {"process": 2, "type": "invoke", "f": "write", "value": 4},
        {"process": 2, "type": "info", "f": "write", "value": 4, "error": "timed-out"}]
    with pytest.raises(ValueError, match="line 1"):
        convert.etcd_log(["INFO  jepsen.util - 0\t:ok\t:read\t3"])  # a completion without its invoke


def test_knossos_initial_value_and_nil_reads():
    history = """; comment
    [{:process 4, :type :invoke, :f :read, :value nil}
     {:process :nemesis, :type :info, :f :start, :value "Cut off [:n3 #[:n4]]"}
     {:process 4, :type :ok, :f :read, :value nil}
     {:process 5 :type :invoke :f :cas :value [0 2]}
     {:process 5 :type :ok :f :cas :value [0 2]}]"""
    assert convert.knossos_cas_register(history) == [
        {"process": 6, "type": "invoke", "f": "write", "value": 0, "synthetic": True},
        {"process": 6, "type": "ok", "f": "write", "value": 0, "synthetic": True},
        {"process": 4, "type": "invoke", "f": "read", "value": None},
        {"process": 4, "type": "info", "f": "read", "value": None,
         "note": "Knossos: an ok read of nil is unconstrained"},
        {"process": 5, "type": "invoke", "f": "cas", "value": [0, 2]},
        {"process": 5, "type": "ok", "f": "cas", "value": [0, 2]}]
    with pytest.raises(ValueError, match="EDN line 1"):
        convert.knossos_cas_register("[{:process 1 :type :ok")


def test_porcupine_kv_lines():
    lines = ['{:process 9, :type :invoke, :f :get, :key "0", :value nil}',
             '{:process 9, :type :ok, :f :get, :key "0", :value ""}',
             '{:process 3, :type :invoke, :f :append, :key "1", :value "x 3 0 y"}']
    assert convert.porcupine_kv(lines) == [
        {"process": 9, "type": "invoke", "f": "get", "key": "0", "value": None},
        {"process": 9, "type": "ok", "f": "get", "key": "0", "value": ""},
        {"process": 3, "type": "invoke", "f": "append", "key": "1", "value": "x 3 0 y"}]
