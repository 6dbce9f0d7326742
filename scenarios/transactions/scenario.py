"""The transaction DMs (LockingTransactions, OptimisticTransactions, DurableTransactions; `dm=`):
clients on hosts of their own run transactions (Jepsen's list-append or rw-register, `model=`) on
one TxnStore (scenarios/transactions/txn_store.h): startTransaction, 1-4 appends/writes and reads,
commitTransaction (or, now and then, rollbackTransaction).

The check is "transactions" (amino.guarantees, amino.check.transactions) at the isolation level
the DM declares, serializable for all three (LEVELS; tests/python/test_dm_hunts.py holds it to the
descriptors). The nemesis is what the DMs tolerate: partitions and message loss and reordering
anywhere (calls fail or time out: the client part dooms the transaction, the lease or the dropped
copy undoes it), pauses of the clients (longer than the 400 ms lease: the server rolls the
transaction back and the owner learns at its next call) and of the server; DurableTransactions
has its server crashed and restarted with its disk instead of paused (the last unsynced write
torn). Left out:
duplicated messages (the object is not replicated: a duplicated lone append runs twice), clock
changes (a lease is a span of the server's local time), client crashes (the scenario's clients do
not come back after one, so a crash only ends a client early; tests/dms/sim/transactions_sim_test.cc
crashes and restarts clients) and, for the two non-durable DMs, server crashes (their object is the
only copy). `faults=False`: no nemesis."""
import amino
from amino import nemesis, workload

DESCRIPTION = "transactions (list-append / rw-register) on a TxnStore under a transaction DM; check transactions"
LEASE = {"leaseMs": 400, "lockTimeoutMs": 800}
DMS = {"LockingTransactions": LEASE, "OptimisticTransactions": {}, "DurableTransactions": LEASE}
# The isolation level each DM's descriptor declares (its guarantee's "Isolation level: ...").
LEVELS = {"LockingTransactions": "serializable", "OptimisticTransactions": "serializable",
          "DurableTransactions": "serializable"}
PARAMS = {"dm": "LockingTransactions", "model": "list-append", "clients": 3, "txns": 25, "keys": 3, "reads": 0.5,
          "rollbacks": 0.05, "duration": 10.0, "faults": True}
PARAM_RANGES = {"clients": (1, 16), "txns": (1, 10000), "keys": (1, 100), "reads": (0.0, 1.0),
                "rollbacks": (0.0, 1.0), "duration": (6.0, 3600.0)}


def build(seed=1, dm="LockingTransactions", model="list-append", clients=3, txns=25, keys=3, reads=0.5,
          rollbacks=0.05, duration=10.0, faults=True):
    if dm not in DMS:
        raise ValueError(f"parameter dm: {dm!r} is not one of {', '.join(DMS)}")
    sc = amino.Scenario(seed=seed, duration=duration, name="transactions",
                        params=dict(dm=dm, model=model, clients=clients, txns=txns, keys=keys, reads=reads,
                                    rollbacks=rollbacks, duration=duration, faults=faults))
    sc.host("server", "cloud_server", region="dc1", labels={"tier": "server"})
    hosts = [f"c{i}" for i in range(1, clients + 1)]
    for h in hosts:
        sc.host(h, "phone_wifi")
    sc.deploy("store", on="server", cls="TxnStore", dms=[(dm, DMS[dm])], selector=amino.selector(tier="server"))
    quiet = nemesis.quiet_for(duration)
    calls = txns * (2 + 2.5)  # start, 1-4 micro-ops, commit
    workload.transactions(sc, "store", hosts, seed=seed, model=model, clients=clients, txns=txns, keys=keys,
                          reads=reads, rollbacks=rollbacks, think=workload.think_for(int(calls), duration - quiet),
                          timeout=1.0, consistency=LEVELS[dm])
    if faults:
        cut = nemesis.generate(["server"] + hosts, seed=seed + 1, end=duration, quiet=quiet,
                               kinds=("partition", "message_faults"), duration=(0.1, 1.0))
        # Pauses of the server too, unless it crashes (a crashed node is not paused).
        paused = hosts + ([] if dm == "DurableTransactions" else ["server"])
        pauses = nemesis.generate(paused, seed=seed + 2, end=duration, quiet=quiet, kinds=("pause",),
                                  duration=(0.1, 1.0))
        schedules = [nemesis.only_messages(cut, ("drop", "reorder")), pauses]
        if dm == "DurableTransactions":
            down = nemesis.generate(["server"], seed=seed, end=duration, quiet=quiet, kinds=("crash",), max_down=1,
                                    interval=(0.8, 2.0), duration=(0.1, 0.8))
            torn = [{"at": f["at"], "type": "torn_write", "node": f["node"]} for f in down if f["type"] == "crash"]
            schedules += [torn, down]
        nemesis.apply(sc, nemesis.merge(*schedules))
    return sc
