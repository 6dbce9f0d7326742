"""amino.workload.transactions: the generated calls, and how a run's recorded calls become "txn"
operations (which calls belong to which transaction, and each transaction's outcome)."""
import pytest

import amino
from amino import workload


def recorded(process, calls, client="store-txn-0"):
    """Recorded events of one client calling in sequence: (method, args, completion type, value or
    error); completion None = still running at the end of the run."""
    out, t = [], 0
    for method, args, kind, result in calls:
        t += 1
        out.append({"process": process, "type": "invoke", "f": method, "value": list(args), "time": t,
                    "object": "store", "client": client, "node": "c1"})
        if kind is None:
            continue
        t += 1
        done = {"process": process, "type": kind, "f": method, "value": list(args), "time": t,
                "object": "store", "client": client, "node": "c1"}
        if kind == "ok":
            done["value"] = result
        else:
            done["error"] = result
        out.append(done)
    return out


def txns(events, model="list-append", clients=("store-txn-0",)):
    w = workload.Workload(model, "store", list(clients), "transactions", {"consistency": "serializable"})
    h = w.history(events)
    return [e for e in h if e["type"] != "invoke"], h


def test_a_committed_transaction_is_one_ok_operation_with_its_reads():
    done, h = txns(recorded(0, [("startTransaction", [], "ok", None), ("append", ["k0", 7], "ok", None),
                                ("read", ["k0"], "ok", [7]), ("commitTransaction", [], "ok", True)]))
    assert h[0] == {"process": 0, "type": "invoke", "f": "txn", "value": [["append", "k0", 7], ["r", "k0", None]],
                    "time": 1}
    assert done == [{"process": 0, "type": "ok", "f": "txn", "value": [["append", "k0", 7], ["r", "k0", [7]]],
                     "time": 8}]


@pytest.mark.parametrize("end,outcome", [
    (("commitTransaction", [], "info", "ABORTED: the object changed"), "fail"),
    (("commitTransaction", [], "info", "BAD_ARGUMENTS: a call is still running"), "fail"),
    (("commitTransaction", [], "info", "TIMEOUT: no answer"), "info"),
    (("rollbackTransaction", [], "ok", None), "fail"),
    (("rollbackTransaction", [], "info", "TIMEOUT: no answer"), "fail"),
])
def test_the_end_call_decides_the_outcome(end, outcome):
    done, _ = txns(recorded(0, [("startTransaction", [], "ok", None), ("append", ["k0", 7], "ok", None), end]))
    assert [d["type"] for d in done] == [outcome]
    assert done[0]["value"] == [["append", "k0", 7]]


def test_a_transaction_never_committed_failed_and_one_whose_commit_is_running_is_unknown():
    done, h = txns(recorded(0, [("startTransaction", [], "ok", None), ("append", ["k0", 7], "ok", None)]))
    assert [d["type"] for d in done] == ["fail"]
    done, h = txns(recorded(0, [("startTransaction", [], "ok", None), ("append", ["k0", 7], "ok", None),
                                ("commitTransaction", [], None, None)]))
    assert done == [] and len(h) == 1  # invoked, never completed: unknown


def test_calls_after_a_failed_start_ran_alone_each_its_own_transaction():
    done, _ = txns(recorded(0, [("startTransaction", [], "info", "UNAVAILABLE: locked"),
                                ("append", ["k0", 7], "ok", None), ("read", ["k1"], "ok", [1]),
                                ("append", ["k1", 8], "info", "TIMEOUT: no answer"),
                                ("commitTransaction", [], "info", "BAD_ARGUMENTS: without an open transaction")]))
    assert [(d["type"], d["value"]) for d in done] == [("ok", [["append", "k0", 7]]), ("ok", [["r", "k1", [1]]]),
                                                      ("info", [["append", "k1", 8]])]


def test_a_commit_that_never_reached_the_client_part_leaves_the_transaction_open():
    # "fail" = never issued (the stub could not be had): the DM's transaction goes on, and the next
    # start is refused by the DM while the calls after it still join the first transaction.
    done, _ = txns(recorded(0, [("startTransaction", [], "ok", None), ("append", ["k0", 7], "ok", None),
                                ("commitTransaction", [], "fail", "UNREACHABLE: no OMS"),
                                ("startTransaction", [], "info", "BAD_ARGUMENTS: already open"),
                                ("append", ["k0", 8], "ok", None), ("commitTransaction", [], "ok", True)]))
    assert [(d["type"], d["value"]) for d in done] == [("ok", [["append", "k0", 7], ["append", "k0", 8]])]


def test_rw_register_reads_and_writes_and_other_clients_are_not_mixed_in():
    mine = recorded(0, [("startTransaction", [], "ok", None), ("write", ["k0", 7], "ok", None),
                        ("get", ["k1"], "ok", None), ("commitTransaction", [], "ok", True)])
    other = recorded(1, [("write", ["k0", 9], "ok", None)], client="someone-else")
    done, _ = txns(mine + other, model="rw-register")
    assert done[0]["value"] == [["w", "k0", 7], ["r", "k1", None]]
    assert len(done) == 1


def test_a_summarized_read_is_an_error_naming_the_setting():
    events = recorded(0, [("startTransaction", [], "ok", None), ("read", ["k0"], "ok", "<list of 900 chars, digest ab12>"),
                          ("commitTransaction", [], "ok", True)])
    with pytest.raises(ValueError, match="max_value_chars"):
        txns(events)


def test_the_generator_gives_each_client_its_node_and_spreads_keys_over_targets():
    sc = amino.Scenario(seed=1, duration=10).host("s", "cloud_server").host("c1", "phone_wifi").host("c2", "phone_wifi")
    w = workload.transactions(sc, ["a", "b"], ["c1", "c2"], seed=3, clients=2, txns=5, keys=4, rollbacks=0.5)
    assert w.model == "list-append" and w.checker == "transactions" and w.options == {"consistency": "serializable"}
    assert [c["node"] for c in sc.workloads] == ["c1", "c2"] and sc.max_value_chars >= 1_000_000
    calls = sc.workloads[0]["calls"]
    assert calls[0]["method"] == "startTransaction"
    assert {c["method"] for c in calls} <= {"startTransaction", "commitTransaction", "rollbackTransaction", "append",
                                            "read"}
    assert any(c["method"] == "rollbackTransaction" for c in calls)
    for c in calls:
        if c["method"] in ("append", "read"):
            assert c["target"] == ("a" if int(c["args"][0][1:]) % 2 == 0 else "b")
    values = [c["args"][1] for wl in sc.workloads for c in wl["calls"] if c["method"] == "append"]
    assert len(values) == len(set(values))  # every written value unique
    with pytest.raises(ValueError, match="distinct nodes"):
        workload.transactions(sc, "a", ["c1"], seed=1, clients=2)
    with pytest.raises(ValueError, match="unknown transaction model"):
        workload.transactions(sc, "a", ["c1"], seed=1, clients=1, model="bank")


def test_validation_knows_the_dms_control_methods_and_each_calls_target():
    def scenario(calls, dms=(("LockingTransactions", {}),)):
        sc = amino.Scenario(seed=1, duration=5).host("s", "cloud_server").host("c1", "phone_wifi")
        sc.deploy("a", on="s", cls="TxnStore", dms=list(dms)).deploy("b", on="s", cls="Register")
        return sc.client("x", node="c1", target="a", calls=calls, count=len(calls))
    ok = [amino.call("startTransaction"), amino.call("append", "k", 1), amino.call("write", "k", "v", target="b"),
          amino.call("commitTransaction")]
    assert amino.validate(scenario(ok)) == []
    problems = amino.validate(scenario([amino.call("startTransaction", 1)]))
    assert any("startTransaction (intercepted by a DM of the deployment) takes no arguments" in p for p in problems)
    problems = amino.validate(scenario([amino.call("startTransaction")], dms=()))  # no transaction DM
    assert any("has no method 'startTransaction'" in p for p in problems)
    problems = amino.validate(scenario([amino.call("append", "k", 1, target="c")]))
    assert any("unknown microservice 'c'" in p for p in problems)
    problems = amino.validate(scenario([amino.call("append", "k", 1, target="b")]))
    assert any("class Register has no method 'append'" in p for p in problems)
