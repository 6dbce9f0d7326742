"""amino.check.transactions (testbed/check/transactions.h from Python) and `python3 -m amino check
--transactions`: verdicts and anomalies on small histories, the result object, errors, the CLI's exit
codes, and Elle's published histories (tests/check/thirdparty/elle) with the verdicts Elle's tests assert."""
import json
import os
import subprocess
import sys

import pytest

from amino import check

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ELLE = os.path.join(REPO, "tests", "check", "thirdparty", "elle")


def txn(process, mops, kind="ok"):
    """One transaction's two events; reads' values are null at invoke."""
    invoked = [[f, k, None] if f == "r" else [f, k, v] for f, k, v in mops]
    return [{"process": process, "type": "invoke", "f": "txn", "value": invoked},
            {"process": process, "type": kind, "f": "txn", "value": mops if kind == "ok" else invoked}]


def write_skew():
    return (txn(0, [["r", "x", None], ["r", "y", None], ["append", "x", 1]])
            + txn(1, [["r", "x", None], ["r", "y", None], ["append", "y", 1]])
            + txn(2, [["r", "x", [1]], ["r", "y", [1]]]))


def test_write_skew_is_allowed_by_snapshot_isolation_not_by_serializable():
    si = check.transactions(write_skew(), consistency="snapshot-isolation")
    assert si.valid and si.ok and si.verdict == "valid" and si.exit_code == 0
    assert si.anomalies == [] and [a.type for a in si.allowed_anomalies] == ["G2-item"]
    ser = check.transactions(write_skew(), model="list-append", consistency="serializable")
    assert not ser.valid and ser.verdict == "invalid" and ser.exit_code == 1
    assert ser.anomaly_types == ["G2-item"]
    (a,) = ser.anomalies
    assert a.forbidden and sorted(a.ops) == [0, 2]  # the invoke lines of the two writers
    assert a.explanation.count("-rw->") == 4  # the cycle line, then each edge and why
    assert ser.counts == {"G2-item": 1}
    assert (ser.transactions, ser.committed, ser.failed, ser.unknown) == (3, 3, 0, 0)
    assert "G2-item" in ser.summary() and "invalid (serializable" in ser.summary()
    assert ser.to_dict()["anomaly_types"] == ["G2-item"]
    assert "G2-item" in repr(ser)


def test_aborted_read_and_rw_register():
    history = (txn(0, [["w", "x", 1]], kind="fail") + txn(1, [["r", "x", 1]]))
    r = check.transactions(history, model="rw-register", consistency="read-committed")
    assert r.anomaly_types == ["G1a"]
    assert "failed (aborted)" in r.anomalies[0].explanation
    assert any("blind writes" in n for n in r.not_checked)  # what the register inference cannot see
    assert check.transactions(history, model="rw-register", consistency="read-uncommitted").valid


def test_stale_read_needs_strict_serializable():
    history = [{**e, "time": t} for e, t in zip(txn(0, [["append", "x", 1]]) + txn(1, [["r", "x", None]])
                                                + txn(2, [["r", "x", [1]]]), (0, 1, 2, 3, 4, 5))]
    assert check.transactions(history, consistency="serializable").valid
    strict = check.transactions(history, consistency="strict-serializable")
    assert strict.anomaly_types == ["G-single-realtime"]
    assert "-realtime->" in strict.anomalies[0].explanation


def test_consistency_levels_are_one_table():
    levels = check.consistency_levels()
    names = [lv["name"] for lv in levels]
    assert names[0] == "read-uncommitted" and "strict-serializable" in names
    by_name = {lv["name"]: lv for lv in levels}
    assert "G2-item" in by_name["serializable"]["forbidden"]
    assert "G2-item" not in by_name["snapshot-isolation"]["forbidden"]
    assert by_name["strict-serializable"]["order"] == "realtime"


def test_bad_input_is_a_value_error_naming_the_operation(tmp_path):
    bad = txn(0, [["append", "x", 1]]) + [{"process": 1, "type": "invoke", "f": "txn", "value": [["frob", "x", 1]]},
                                          {"process": 1, "type": "ok", "f": "txn", "value": [["frob", "x", 1]]}]
    with pytest.raises(ValueError, match=r"operation #2 \(process 1\).*not \"frob\""):
        check.transactions(bad)
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in bad))
    with pytest.raises(ValueError, match=r"bad.jsonl: operation #2"):
        check.transactions(path)
    with pytest.raises(ValueError, match="unknown consistency level"):
        check.transactions(write_skew(), consistency="linearizable")
    with pytest.raises(ValueError, match="unknown transaction model"):
        check.transactions(write_skew(), model="register")
    with pytest.raises(ValueError, match="time_limit"):
        check.transactions(write_skew(), time_limit=-1)


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "amino", "check", *args], capture_output=True, text=True, timeout=60)


def test_cli_checks_transactions(tmp_path):
    path = tmp_path / "skew.jsonl"
    path.write_text("".join(json.dumps(e) + "\n" for e in write_skew()))
    ran = _cli(str(path), "--transactions", "list-append")
    assert ran.returncode == 1, ran.stderr
    assert ran.stdout.startswith("invalid (serializable, list-append, 3 transactions")
    assert "[G2-item] G2-item cycle of 2 transactions: #" in ran.stdout
    ran = _cli(str(path), "--transactions", "list-append", "--consistency", "snapshot-isolation", "--json")
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["verdict"] == "valid"
    html = tmp_path / "skew.html"
    ran = _cli(str(path), "--transactions", "list-append", "--html", str(html))
    assert ran.returncode == 1 and html.stat().st_size > 1000, ran.stderr
    assert "G2-item cycle" in html.read_text()
    ran = _cli(str(path), "--consistency", "serializable")
    assert ran.returncode == 2 and "--consistency needs --transactions" in ran.stderr
    ran = _cli(str(path), "--transactions", "list-append", "--consistency", "linearizable")
    assert ran.returncode == 2 and "invalid choice" in ran.stderr


def test_a_hunt_can_declare_the_transactions_check():
    from amino import guarantees
    assert "transactions" in guarantees.names()
    assert guarantees.check("transactions", write_skew(), "list-append", consistency="snapshot-isolation").ok
    r = guarantees.check("transactions", write_skew(), "list-append", consistency="serializable")
    assert r.verdict == "invalid" and guarantees.violated(r)
    assert sorted(r.window["ops"]) == [0, 2]  # the anomaly's operations, for the timeline
    assert "G2-item cycle" in r.summary()


with open(os.path.join(ELLE, "manifest.json"), encoding="utf-8") as _f:
    ELLE_MANIFEST = json.load(_f)


@pytest.mark.parametrize("entry", ELLE_MANIFEST, ids=lambda e: e["file"])
def test_elle_histories_get_the_verdicts_elles_tests_assert(entry):
    for expect in entry["checks"]:
        r = check.transactions(os.path.join(ELLE, entry["file"]), model=entry["model"],
                               consistency=expect["consistency"])
        assert r.verdict == expect["verdict"], (entry["file"], expect, r.summary()[:2000])
        for t in expect.get("anomaly_types_include", []):
            assert t in r.anomaly_types + [a.type for a in r.allowed_anomalies], (entry["file"], t, r.summary()[:2000])
