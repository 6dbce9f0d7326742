"""WriteThroughCaching: clients on their own hosts read a Register from their copies and write
through to its one server replica.

Checks (amino.guarantees): "bounded-staleness" (writes linearizable; a read shows the state at most
refresh_ms before it began) and "read-your-writes" (a client never reads older than its own last
acknowledged write). `faults` picks the nemesis: "bounded" keeps every client able to refresh
(client crashes and pauses, reordered messages: the staleness bound must hold), "partitions" adds
what makes a refresh fail (partitions, message loss, slow uplinks, server crash and pause, clock
changes), where the descriptor lets the last copy answer however old it is: then reads are only
checked to show some prefix of the writes (no bound), and read-your-writes still holds. No
nemesis duplicates messages: the server replica is not replicated and would run a duplicated
write twice, which the DM does not claim to tolerate. "none": no faults."""
import amino
from amino import nemesis, workload

DESCRIPTION = "WriteThroughCaching clients on a Register; checks bounded-staleness (refreshMs) and read-your-writes"
PARAMS = {"refresh_ms": 200, "clients": 6, "client_hosts": 2, "ops": 40, "keys": 2, "reads": 0.6, "duration": 8.0,
          "faults": "bounded"}
PARAM_RANGES = {"refresh_ms": (0, 60000), "clients": (1, 32), "client_hosts": (1, 8), "ops": (1, 10000),
                "keys": (1, 100), "reads": (0.0, 1.0), "duration": (6.0, 3600.0)}
FAULTS = ("bounded", "partitions", "none")



def build(seed=1, refresh_ms=200, clients=6, client_hosts=2, ops=40, keys=2, reads=0.6, duration=8.0,
          faults="bounded"):
    if faults not in FAULTS:
        raise ValueError(f"parameter faults: {faults!r} is not one of {', '.join(FAULTS)}")
    sc = amino.Scenario(seed=seed, duration=duration, name="write_through_caching",
                        params=dict(refresh_ms=refresh_ms, clients=clients, client_hosts=client_hosts, ops=ops,
                                    keys=keys, reads=reads, duration=duration, faults=faults))
    sc.host("server", "cloud_server", region="dc1", labels={"tier": "server"})
    hosts = [f"c{i}" for i in range(1, client_hosts + 1)]
    for h in hosts:
        sc.host(h, "phone_wifi")
    sc.deploy("reg", on="server", cls="Register", dms=[("WriteThroughCaching", {"refreshMs": refresh_ms})],
              selector=amino.selector(tier="server"))
    rest = (1 - reads) / (0.35 + 0.15)
    # refreshMs 0: only a client's own writes refresh its copy, so no bound.
    bound = refresh_ms if faults != "partitions" and refresh_ms > 0 else None
    w = workload.register(sc, "reg", hosts, seed=seed, clients=clients, ops=ops, keys=keys, think=workload.think_for(ops, duration - nemesis.quiet_for(duration)), timeout=1.0,
                          check="bounded-staleness", check_options={"bound_ms": bound},
                          read=reads, write=0.35 * rest, cas=0.15 * rest)
    w.also(sc, "read-your-writes")
    quiet = nemesis.quiet_for(duration)
    if faults == "bounded":
        down = nemesis.generate(hosts, seed=seed, end=duration, quiet=quiet, kinds=("crash", "pause"),
                                max_down=max(1, (len(hosts) - 1) // 2))
        # Replies held back for up to two round trips: an older fetch may answer after a newer one.
        late = nemesis.generate(["server"] + hosts, seed=seed + 1, end=duration, quiet=quiet, kinds=("message_faults",),
                                reorder_window=(0.0, 0.1))
        nemesis.apply(sc, nemesis.merge(down, nemesis.only_messages(late, ("reorder",))))
    elif faults == "partitions":
        cut = nemesis.generate(["server"] + hosts, seed=seed, end=duration, quiet=quiet, kinds=nemesis.KINDS,
                               uplink_latency_ns=nemesis.uplink_latencies_ns(sc), reorder_window=(0.0, 0.1))
        nemesis.apply(sc, nemesis.only_messages(cut, ("drop", "reorder")))
    return sc
