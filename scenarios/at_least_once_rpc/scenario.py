"""AtLeastOnceRPC on a KvStore's appends: clients on their own hosts append unique values to a few
keys on one server replica and read them back, so a get shows every execution of every append in
the server's order. The nemesis is what the DM tolerates: partitions, message loss, duplication and
reordering, slow uplinks, clock changes, paused hosts (the server too) and crashed client hosts;
not a crashed server (its object is the only copy: a restart would lose acknowledged appends,
which no retry can bring back).

The check is "at-least-once" (amino.guarantees): every acknowledged append took effect at least
once, in one order consistent with real time; duplicates (a retry that ran again) are allowed and
counted."""
import amino
from amino import nemesis, workload

DESCRIPTION = "AtLeastOnceRPC on KvStore appends under loss and partitions; check at-least-once"
PARAMS = {"clients": 3, "client_hosts": 2, "ops": 30, "keys": 2, "reads": 0.4, "duration": 8.0, "faults": True,
          "attempt_ms": 150}
PARAM_RANGES = {"clients": (1, 32), "client_hosts": (1, 8), "ops": (1, 10000), "keys": (1, 100),
                "reads": (0.0, 1.0), "duration": (6.0, 3600.0), "attempt_ms": (1, 60000)}



def build(seed=1, clients=3, client_hosts=2, ops=30, keys=2, reads=0.4, duration=8.0, faults=True, attempt_ms=150):
    sc = amino.Scenario(seed=seed, duration=duration, name="at_least_once_rpc",
                        params=dict(clients=clients, client_hosts=client_hosts, ops=ops, keys=keys, reads=reads,
                                    duration=duration, faults=faults, attempt_ms=attempt_ms))
    sc.max_value_chars = 1_000_000  # gets return every append: the check needs them whole
    sc.host("server", "cloud_server", region="dc1", labels={"tier": "server"})
    hosts = [f"c{i}" for i in range(1, client_hosts + 1)]
    for h in hosts:
        sc.host(h, "phone_wifi")
    config = {"attemptTimeoutMs": attempt_ms, "initialDelayMs": 20, "maxDelayMs": 200, "timeoutMs": 3000}
    sc.deploy("kv", on="server", cls="KvStore", dms=[("AtLeastOnceRPC", config)],
              selector=amino.selector(tier="server"))
    workload.kv(sc, "kv", hosts, seed=seed, clients=clients, ops=ops, keys=keys, think=workload.think_for(ops, duration - nemesis.quiet_for(duration)), timeout=2.0,
                check="at-least-once", get=reads, put=0.0, append=1 - reads)
    if faults:
        quiet = nemesis.quiet_for(duration)
        cut = nemesis.generate(["server"] + hosts, seed=seed, end=duration, quiet=quiet,
                               kinds=("partition", "partition_one_way", "partition_bridge", "message_faults", "link",
                                      "clock"), uplink_latency_ns=nemesis.uplink_latencies_ns(sc))
        down = nemesis.generate(hosts, seed=seed + 1, end=duration, quiet=quiet, kinds=("crash", "pause"),
                                max_down=max(1, (len(hosts) - 1) // 2))
        paused = nemesis.generate(["server"], seed=seed + 2, end=duration, quiet=quiet, kinds=("pause",), max_down=1,
                                  interval=(1.0, 3.0), duration=(0.1, 1.0))
        nemesis.apply(sc, nemesis.merge(cut, down, paused))
    return sc
