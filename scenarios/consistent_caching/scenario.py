"""ConsistentCaching: clients on their own hosts read a Register from copies on their own nodes and
write through the one primary, which invalidates and updates every copy before a write returns.

The check is "linearizable" (amino.guarantees): the DM promises strict consistency for reads and
writes under the faults it tolerates. The nemesis cuts and slows links anywhere (partitions, one-way
partitions, message loss and reordering, slow uplinks: the server included, since a cut-off primary
only makes calls fail), crashes and pauses client hosts (a copy that cannot be invalidated is
evicted once its lease has run out) and pauses the server (calls wait; copies stop answering when
their leases run out). Left out, as the descriptor says it does not tolerate them: a crashed server
(its object is the only authoritative copy), clock changes (a lease is a span of local time) and
duplicated messages (the primary is not replicated). `faults=False`: no nemesis."""
import amino
from amino import nemesis, workload

DESCRIPTION = "ConsistentCaching clients on a Register, copies cut off, evicted and rejoining, primary paused; check linearizable"
PARAMS = {"lease_ms": 400, "ack_timeout_ms": 100, "clients": 6, "client_hosts": 3, "ops": 30, "keys": 2,
          "reads": 0.6, "duration": 8.0, "faults": True}
PARAM_RANGES = {"lease_ms": (10, 60000), "ack_timeout_ms": (1, 60000), "clients": (1, 32), "client_hosts": (1, 8),
                "ops": (1, 10000), "keys": (1, 100), "reads": (0.0, 1.0), "duration": (6.0, 3600.0)}


def build(seed=1, lease_ms=400, ack_timeout_ms=100, clients=6, client_hosts=3, ops=30, keys=2, reads=0.6,
          duration=8.0, faults=True):
    sc = amino.Scenario(seed=seed, duration=duration, name="consistent_caching",
                        params=dict(lease_ms=lease_ms, ack_timeout_ms=ack_timeout_ms, clients=clients,
                                    client_hosts=client_hosts, ops=ops, keys=keys, reads=reads, duration=duration,
                                    faults=faults))
    sc.host("server", "cloud_server", region="dc1", labels={"tier": "server"})
    hosts = [f"c{i}" for i in range(1, client_hosts + 1)]
    for h in hosts:
        sc.host(h, "phone_wifi")
    sc.deploy("reg", on="server", cls="Register",
              dms=[("ConsistentCaching", {"leaseMs": lease_ms, "ackTimeoutMs": ack_timeout_ms})],
              selector=amino.selector(tier="server"))
    rest = (1 - reads) / (0.35 + 0.15)
    quiet = nemesis.quiet_for(duration)
    workload.register(sc, "reg", hosts, seed=seed, clients=clients, ops=ops, keys=keys,
                      think=workload.think_for(ops, duration - quiet), timeout=1.0, check="linearizable",
                      read=reads, write=0.35 * rest, cas=0.15 * rest)
    if faults:
        cut = nemesis.generate(["server"] + hosts, seed=seed, end=duration, quiet=quiet,
                               kinds=("partition", "partition_one_way", "message_faults", "link"),
                               uplink_latency_ns=nemesis.uplink_latencies_ns(sc), reorder_window=(0.0, 0.1))
        down = nemesis.generate(hosts, seed=seed + 1, end=duration, quiet=quiet, kinds=("crash", "pause"),
                                max_down=max(1, (len(hosts) - 1) // 2))
        frozen = nemesis.generate(["server"], seed=seed + 2, end=duration, quiet=quiet, kinds=("pause",), max_down=1,
                                  interval=(1.0, 3.0), duration=(0.1, 1.0))
        nemesis.apply(sc, nemesis.merge(nemesis.only_messages(cut, ("drop", "reorder")), down, frozen))
    return sc
