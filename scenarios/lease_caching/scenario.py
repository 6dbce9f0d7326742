"""LeaseCaching under the faults it tolerates: clients on their own hosts share one Register through
leases; the nemesis cuts clients off (partitions, message loss and delay, slow uplinks), pauses and
crashes client hosts, and leaves the server alone (its object is the only copy) and clocks alone
(a lease is a span of local time).

The check is "lease" (amino.guarantees): linearizable, except that where the lease changes hands the
object may restart from the last state the previous holder wrote back (a holder that crashed or
was cut off loses its unsaved writes by design); with faults=false, plain linearizability. Clients on
one host share its copy: the check learns who runs where from the run. One key: the lease covers
the whole object."""
import amino
from amino import nemesis, workload

DESCRIPTION = "LeaseCaching clients on a Register, holders cut off and crashed; check lease (linearizable without faults)"
PARAMS = {"lease_ms": 400, "clients": 5, "client_hosts": 3, "ops": 30, "reads": 0.5, "duration": 8.0,
          "faults": True}
PARAM_RANGES = {"lease_ms": (10, 60000), "clients": (1, 32), "client_hosts": (1, 8), "ops": (1, 10000),
                "reads": (0.0, 1.0), "duration": (6.0, 3600.0)}



def build(seed=1, lease_ms=400, clients=5, client_hosts=3, ops=30, reads=0.5, duration=8.0, faults=True):
    sc = amino.Scenario(seed=seed, duration=duration, name="lease_caching",
                        params=dict(lease_ms=lease_ms, clients=clients, client_hosts=client_hosts, ops=ops,
                                    reads=reads, duration=duration, faults=faults))
    sc.host("server", "cloud_server", region="dc1", labels={"tier": "server"})
    hosts = [f"c{i}" for i in range(1, client_hosts + 1)]
    for h in hosts:
        sc.host(h, "phone_wifi")
    config = {"leaseMs": lease_ms, "renewMarginMs": max(1, lease_ms // 4), "idleReleaseMs": max(1, lease_ms // 4),
              "maxWaitMs": 2 * lease_ms}
    sc.deploy("reg", on="server", cls="Register", dms=[("LeaseCaching", config)],
              selector=amino.selector(tier="server"))
    rest = (1 - reads) / (0.35 + 0.15)
    workload.register(sc, "reg", hosts, seed=seed, clients=clients, ops=ops, keys=1, think=workload.think_for(ops, duration - nemesis.quiet_for(duration)), timeout=1.0,
                      check="lease" if faults else "linearizable",
                      read=reads, write=0.35 * rest, cas=0.15 * rest)
    if faults:
        quiet = nemesis.quiet_for(duration)
        cut = nemesis.generate(["server"] + hosts, seed=seed, end=duration, quiet=quiet,
                               kinds=("partition", "partition_one_way", "message_faults", "link"),
                               uplink_latency_ns=nemesis.uplink_latencies_ns(sc))
        down = nemesis.generate(hosts, seed=seed + 1, end=duration, quiet=quiet, kinds=("crash", "pause"),
                                max_down=max(1, (len(hosts) - 1) // 2))
        nemesis.apply(sc, nemesis.merge(nemesis.only_messages(cut, ("drop", "reorder")), down))
    return sc
