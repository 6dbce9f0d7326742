"""DurableSerializableRPC: clients on their own hosts add to and read counters on one server replica
whose host keeps crashing and restarting with its disk. Each mutating call is synced to storage
before it returns, and the restarted kernel server restores the object from its last checkpoint
before any call reaches it, so no acknowledged add is lost.

The check is "linearizable" (amino.guarantees): one replica, calls serialized, every acknowledged
call durable. The nemesis is what the DM tolerates: crashes of the server with restarts (storage
kept, unsynced writes lost, the last one torn), pauses, and partitions and message loss anywhere (calls then fail or
time out: their outcome is unknown, which the check allows). Left out, as the descriptor says it
does not tolerate it: a crash that wipes the server's disk. `faults=False`: no nemesis.

`dm="PeriodicCheckpoint"` runs the same under PeriodicCheckpoint (everyCalls: 4), which promises
less: a crash loses the calls since its last checkpoint, so its runs are not linearizable (the
check's teeth, tests/python/test_dm_hunts.py)."""
import amino
from amino import nemesis, workload

DESCRIPTION = "DurableSerializableRPC counters, the server crashing and restarting with its disk; check linearizable"
DMS = {"DurableSerializableRPC": {}, "PeriodicCheckpoint": {"everyCalls": 4}}
PARAMS = {"dm": "DurableSerializableRPC", "clients": 4, "client_hosts": 2, "ops": 30, "keys": 2, "reads": 0.4, "duration": 8.0, "faults": True}
PARAM_RANGES = {"clients": (1, 32), "client_hosts": (1, 8), "ops": (1, 10000), "keys": (1, 100),
                "reads": (0.0, 1.0), "duration": (6.0, 3600.0)}


def build(seed=1, dm="DurableSerializableRPC", clients=4, client_hosts=2, ops=30, keys=2, reads=0.4, duration=8.0,
          faults=True):
    if dm not in DMS:
        raise ValueError(f"parameter dm: {dm!r} is not one of {', '.join(DMS)}")
    sc = amino.Scenario(seed=seed, duration=duration, name="durable_serializable_rpc",
                        params=dict(dm=dm, clients=clients, client_hosts=client_hosts, ops=ops, keys=keys, reads=reads,
                                    duration=duration, faults=faults))
    sc.host("server", "cloud_server", region="dc1", labels={"tier": "server"})
    hosts = [f"c{i}" for i in range(1, client_hosts + 1)]
    for h in hosts:
        sc.host(h, "phone_wifi")
    sc.deploy("counter", on="server", cls="Counter", dms=[(dm, DMS[dm])],
              selector=amino.selector(tier="server"))
    quiet = nemesis.quiet_for(duration)
    workload.counter(sc, "counter", hosts, seed=seed, clients=clients, ops=ops, keys=keys,
                     think=workload.think_for(ops, duration - quiet), timeout=1.0, check="linearizable",
                     read=reads, add=1 - reads)
    if faults:
        down = nemesis.generate(["server"], seed=seed, end=duration, quiet=quiet, kinds=("crash", "crash", "pause"),
                                max_down=1, interval=(0.5, 1.5), duration=(0.1, 1.0))
        cut = nemesis.generate(["server"] + hosts, seed=seed + 1, end=duration, quiet=quiet,
                               kinds=("partition", "message_faults"))
        # Each crash also tears the disk's last unsynced write, if any (the checkpoint being written).
        torn = [{"at": f["at"], "type": "torn_write", "node": f["node"]} for f in down if f["type"] == "crash"]
        nemesis.apply(sc, nemesis.merge(torn, down, nemesis.only_messages(cut, ("drop", "reorder"))))
    return sc
