"""amino.guarantees: each DM guarantee check passes hand-made histories that keep the guarantee and
fails ones that break it (the anomaly each check exists for), and workloads declare them."""
import pytest

from amino import guarantees, workload

MS = 1_000_000


class H:
    """A hand-made history: op(process, f, key, value, start_ms, end_ms, type, output, error)."""

    def __init__(self):
        self.events = []

    def op(self, p, f, key, value, start, end, type="ok", output=None, error=None):
        self.events.append({"process": p, "type": "invoke", "f": f, "key": key, "value": value, "time": int(start * MS)})
        if type is None:  # never completed
            return self
        done = {"process": p, "type": type, "f": f, "key": key, "value": output if type == "ok" else value,
                "time": int(end * MS)}
        if error:
            done["error"] = error
        self.events.append(done)
        return self

    def read(self, p, start, end, got, key="x", type="ok"):
        return self.op(p, "read", key, None, start, end, type, got)

    def write(self, p, value, start, end, key="x", type="ok", error=None):
        return self.op(p, "write", key, value, start, end, type, None, error)


def stale_read():
    """p0 writes a then b; p1 reads a 100 ms after b was acknowledged."""
    return H().write(0, "a", 0, 1).write(0, "b", 2, 3).read(1, 103, 104, "a").events


# ---- bounded-staleness

def test_bounded_staleness_bounds_how_old_a_read_may_be():
    assert guarantees.check("linearizable", stale_read(), "register").verdict == "not linearizable"
    assert guarantees.bounded_staleness(stale_read(), bound_ms=200).verdict == "valid"
    assert guarantees.bounded_staleness(stale_read(), bound_ms=None).verdict == "valid"
    r = guarantees.bounded_staleness(stale_read(), bound_ms=50)
    assert r.verdict == "invalid" and guarantees.violated(r)
    assert "at most 50 ms" in r.summary() and r.window["key"] == '"x"' and r.window["failing_op"] == 4


def test_unbounded_staleness_still_rejects_what_no_prefix_of_the_writes_explains():
    never = H().write(0, "a", 0, 1).read(1, 2, 3, "z").events
    assert guarantees.bounded_staleness(never, bound_ms=None).verdict == "invalid"
    # p1 sees b then a: a prefix that shrank (b was written after a in real time)
    back = H().write(0, "a", 0, 1).write(0, "b", 2, 3).read(1, 4, 5, "b").read(1, 6, 7, "a").events
    assert guarantees.bounded_staleness(back, bound_ms=None).verdict == "valid"  # prefixes need not grow per reader
    lost = (H().write(0, "a", 0, 1).op(1, "cas", "x", ["a", "b"], 2, 3).op(2, "cas", "x", ["a", "c"], 4, 5)
            .read(3, 6, 7, "c").events)  # both swaps from a succeeded: the writes are not linearizable
    assert guarantees.bounded_staleness(lost, bound_ms=None).verdict == "invalid"


def test_bounded_staleness_rejects_other_models_and_untimed_histories():
    with pytest.raises(ValueError):
        guarantees.bounded_staleness(stale_read(), model="set")
    untimed = [{k: v for k, v in e.items() if k != "time"} for e in stale_read()]
    with pytest.raises(ValueError):
        guarantees.bounded_staleness(untimed, bound_ms=10)


# ---- read-your-writes

def test_read_your_writes_fails_a_read_older_than_the_readers_own_write():
    own = H().write(1, "b", 0, 1).write(0, "a", 2, 3).read(0, 4, 5, "b").events
    r = guarantees.read_your_writes(own)
    assert r.verdict == "invalid" and "own write" in r.explanation and r.window["failing_op"] == 4
    initial = H().write(0, "a", 0, 1).read(0, 2, 3, None).events
    assert guarantees.read_your_writes(initial).verdict == "invalid"
    swapped = H().write(1, "b", 0, 1).op(0, "cas", "x", ["b", "c"], 2, 3, output=True).read(0, 4, 5, "b").events
    assert guarantees.read_your_writes(swapped).verdict == "invalid"


def test_read_your_writes_passes_own_newer_and_concurrent_values():
    assert guarantees.read_your_writes(H().write(0, "a", 0, 1).read(0, 2, 3, "a").events).verdict == "valid"
    newer = H().write(0, "a", 0, 1).write(1, "b", 2, 3).read(0, 4, 5, "b").events
    assert guarantees.read_your_writes(newer).verdict == "valid"
    concurrent = H().write(1, "b", 2, 5).write(0, "a", 3, 4).read(0, 6, 7, "b").events
    assert guarantees.read_your_writes(concurrent).verdict == "valid"
    other_key = H().write(0, "a", 0, 1).read(0, 2, 3, None, key="y").events
    assert guarantees.read_your_writes(other_key).verdict == "valid"
    unacknowledged = H().write(1, "b", 0, 1).write(0, "a", 2, 3, type="info", error="TIMEOUT: x").read(0, 4, 5, "b")
    assert guarantees.read_your_writes(unacknowledged.events).verdict == "valid"


# ---- lease

def test_lease_allows_losing_the_unsaved_writes_of_a_holder():
    lost = H().write(0, "a", 0, 1).write(0, "b", 2, 3).read(1, 10, 11, "a").events
    assert guarantees.check("linearizable", lost, "register").verdict == "not linearizable"
    assert guarantees.lease(lost).verdict == "valid"
    saved = H().write(0, "a", 0, 1).write(0, "b", 2, 3).read(1, 4, 5, "b").write(1, "c", 6, 7).read(0, 8, 9, "b").events
    assert guarantees.lease(saved).verdict == "valid"  # p1's c was lost; p0 took the lease back from b


def test_lease_fails_two_copies_changing_at_once():
    # p0 and p1 both write and then each reads its own value, interleaved in real time: two copies
    # changed the object in the same span (lease_used_after_expiry)
    both = H().write(0, "a", 0, 1).write(1, "b", 2, 3).read(0, 4, 5, "a").read(1, 6, 7, "b").events
    r = guarantees.lease(both)
    assert r.verdict == "invalid" and guarantees.violated(r) and "written-back" in r.explanation
    never = H().write(0, "a", 0, 1).read(1, 2, 3, "q").events
    assert guarantees.lease(never).verdict == "invalid"
    # a read may not go back to a state no tenure passed through since the last restart
    older = H().write(0, "a", 0, 1).read(1, 2, 3, "a").write(1, "b", 4, 5).read(1, 6, 7, "b").read(0, 8, 9, None).events
    assert guarantees.lease(older).verdict == "invalid"
    # p1 read p0's a, so p0 wrote it back before p1's tenure: p1's tenure cannot start from before it
    assert guarantees.lease(H().write(0, "a", 0, 1).read(1, 2, 3, "a").read(1, 4, 5, None).events).verdict == "invalid"


def test_lease_holders_share_a_copy():
    # two processes on one node share its copy: the second reads the first's unsaved write, then
    # the object restarts from before it
    h = H().write(0, "a", 0, 1).read(1, 2, 3, "a").read(2, 4, 5, None).events
    assert guarantees.lease(h, holders={0: "n1", 1: "n1"}).verdict == "valid"
    assert guarantees.lease(h).verdict == "invalid"  # as holders of their own, 1 saw a saved a


def test_lease_model_handles_cas_and_unknown_outcomes():
    h = (H().write(0, "a", 0, 1).op(1, "cas", "x", ["a", "b"], 2, 3, output=True)
         .op(2, "cas", "x", ["q", "c"], 4, 5, type="info", error="TIMEOUT: t").read(0, 6, 7, "b").events)
    assert guarantees.lease(h).verdict == "valid"
    with pytest.raises(ValueError):
        guarantees.lease(H().op(0, "append", "x", "a", 0, 1).events)


# ---- at-least-once

def kv(h, p, f, key, value, start, end, type="ok", output=None):
    return h.op(p, f, key, value, start, end, type, output)


def test_at_least_once_counts_duplicates_and_passes_them():
    h = H()
    kv(h, 0, "append", "k", "c0.0", 0, 1)
    kv(h, 1, "append", "k", "c1.0", 2, 3)
    kv(h, 0, "append", "k", "c0.1", 3.5, 4, type="info")
    kv(h, 2, "get", "k", None, 5, 6, output="c0.0c1.0c0.0")  # c0.0 ran again after c1.0 (a late retry)
    kv(h, 2, "get", "k", None, 7, 8, output="c0.0c1.0c0.0c0.1")
    r = guarantees.at_least_once(h.events)
    assert r.verdict == "valid" and "1 duplicate" in r.summary()


@pytest.mark.parametrize("gets,why", [
    (["c1.0"], "acknowledged call lost"),                 # c0.0 returned before the get began
    (["c1.0c0.0"], "before"),                              # first executions out of real-time order
    (["c0.0c1.0c9.9"], "no append"),                       # a value nobody appended
    (["c0.0c1.0c2.0", "c0.0c1.0c3.0"], "neither is a prefix"),  # two orders
    (["c0.0c1.0c2.0", "c0.0c1.0"], "shows less"),          # a later get lost what an earlier one showed
    (["c0.0junk"], "not a sequence"),
])
def test_at_least_once_fails_lost_reordered_and_invented_appends(gets, why):
    h = H()
    kv(h, 0, "append", "k", "c0.0", 0, 1)
    kv(h, 1, "append", "k", "c1.0", 2, 3)
    kv(h, 3, "append", "k", "c2.0", 3, 3.5, type="info")
    kv(h, 4, "append", "k", "c3.0", 3, 3.5, type="info")
    for i, g in enumerate(gets):
        kv(h, 2, "get", "k", None, 10 + 2 * i, 11 + 2 * i, output=g)
    r = guarantees.at_least_once(h.events)
    assert r.verdict == "invalid" and why in r.explanation, r.explanation


def test_at_least_once_cannot_judge_a_summarized_value():
    h = H()
    kv(h, 0, "append", "k", "c0.0", 0, 1)
    kv(h, 2, "get", "k", None, 2, 3, output="<string of 164 chars, digest ee763fe73a0fb55d>")
    r = guarantees.at_least_once(h.events)
    assert r.verdict == "unknown" and "max_value_chars" in r.explanation and not guarantees.violated(r)


def test_at_least_once_fails_a_failed_append_that_ran_and_rejects_puts():
    h = H()
    kv(h, 0, "append", "k", "c0.0", 0, 1, type="fail")
    kv(h, 2, "get", "k", None, 2, 3, output="c0.0")
    assert guarantees.at_least_once(h.events).verdict == "invalid"
    with pytest.raises(ValueError):
        guarantees.at_least_once(kv(H(), 0, "put", "k", "c0.0", 0, 1).events)


# ---- immutable

INITIAL = {"x": "v0"}


def test_immutable_passes_constructed_reads_and_rejected_writes():
    h = (H().read(0, 0, 1, "v0").write(0, "a", 2, 2, type="info", error="ABORTED: Immutable: reg.write mutates")
         .read(1, 3, 4, None, key="y").write(1, "b", 5, 6, type="fail", error="TIMEOUT: oms.acquire")
         .read(1, 7, 8, "v0"))
    assert guarantees.immutable(h.events, initial=INITIAL).verdict == "valid"
    before_first = H().read(0, 0, 1, None, type="info").read(0, 2, 3, "v0")  # a fetch may fail before the first read
    assert guarantees.immutable(before_first.events, initial=INITIAL).verdict == "valid"


@pytest.mark.parametrize("history,why", [
    (H().read(0, 0, 1, "a"), "not the constructed"),
    (H().write(0, "a", 0, 1), "accepted"),
    (H().write(0, "a", 0, 1, type="info", error="TIMEOUT: ks.invoke"), "sent on"),
    (H().read(0, 0, 1, "v0").read(0, 2, 3, None, type="info").op(0, "read", "x", None, 4, 5, "info", None,
                                                                 "UNAVAILABLE: no live replica"), "after the process had read"),
])
def test_immutable_fails_changed_state_accepted_writes_and_lost_copies(history, why):
    r = guarantees.immutable(history.events, initial=INITIAL)
    assert r.verdict == "invalid" and why in r.explanation, r.explanation


# ---- declaring checks

def test_workloads_declare_checks_and_round_trip():
    w = workload.Workload("register", "reg", ["c0"], "bounded-staleness", {"bound_ms": 100})
    d = w.to_dict()
    assert d["check"] == "bounded-staleness" and d["options"] == {"bound_ms": 100}
    back = workload.Workload.from_dict(d)
    assert (back.checker, back.options, back.name) == ("bounded-staleness", {"bound_ms": 100}, "register, bounded-staleness")
    plain = workload.Workload("register", "reg", ["c0"])
    assert "check" not in plain.to_dict() and plain.name == "register"  # old scenario files stay as they were
    with pytest.raises(ValueError):
        guarantees.check("nosuch", [], "register")
    assert set(guarantees.names()) == {"linearizable", "bounded-staleness", "read-your-writes", "lease",
                                       "at-least-once", "immutable", "transactions"}


def test_a_workload_gives_the_lease_check_the_runs_nodes():
    w = workload.Workload("register", "reg", ["a", "b", "c"], "lease")
    raw = []
    for p, client, node, value, t in ((0, "a", "n1", "x1", 0), (1, "b", "n1", None, 2), (2, "c", "n2", None, 4)):
        f, args = ("write", ["k", value]) if value else ("read", ["k"])
        raw.append({"process": p, "type": "invoke", "f": f, "value": args, "time": t * MS, "object": "reg",
                    "client": client, "node": node})
        raw.append({"process": p, "type": "ok", "f": f, "value": "x1" if p == 1 else None, "time": (t + 1) * MS,
                    "object": "reg", "client": client, "node": node})
    assert w.nodes(raw) == {0: "n1", 1: "n1", 2: "n2"}
    # b shares a's node, so it read a's unsaved x1; c's tenure may start from before it
    assert w.check(raw).verdict == "valid"
    assert guarantees.lease(w.history(raw)).verdict == "invalid"  # as three holders, x1 was saved
