"""LoadBalancedMasterSlave: clients read, write and cas a Register whose master replicates every
write synchronously to its slaves; reads go round-robin to any replica.

The check is "bounded-staleness" without a bound (amino.guarantees): what the DM promises is that
writes are linearizable and a read shows the state after some prefix of the writes (a slave may
lag, and a slave cut off from the master serves its old state until it is discarded). The nemesis
crashes one server at a time (restarting it later: its replica is gone, the group fails over or
replaces it), partitions servers and clients (the master cut off long enough is deposed), and
loses, delays and reorders messages everywhere; it duplicates messages only between servers (the
master's replication): the DM does not deduplicate client requests, so a duplicated write would run
twice (dms/load_balanced_master_slave.h, "Not tolerated"). `faults=False`: no nemesis."""
import amino
from amino import nemesis, workload

DESCRIPTION = "LoadBalancedMasterSlave on a Register: servers crashed one at a time, partitions, message faults; check bounded-staleness"
PARAMS = {"replicas": 3, "ack_timeout_ms": 200, "refresh_ms": 300, "clients": 4, "client_hosts": 2, "ops": 40,
          "keys": 2, "reads": 0.5, "duration": 10.0, "faults": True}
PARAM_RANGES = {"replicas": (1, 8), "ack_timeout_ms": (1, 60000), "refresh_ms": (0, 60000), "clients": (1, 32),
                "client_hosts": (1, 8), "ops": (1, 10000), "keys": (1, 100), "reads": (0.0, 1.0),
                "duration": (6.0, 3600.0)}


def servers_only_duplicate(faults, servers):
    """Message faults may duplicate only frames from a server to a server: any other (a client's
    request among them: "*" matches every host) keeps drop and reorder only."""
    out = []
    for f in faults:
        if f["type"] == "message_faults" and not (f["from"] in servers and f["to"] in servers):
            f = nemesis.only_messages([f], ("drop", "reorder"))[0]
        out.append(f)
    return out


def build(seed=1, replicas=3, ack_timeout_ms=200, refresh_ms=300, clients=4, client_hosts=2, ops=40, keys=2,
          reads=0.5, duration=10.0, faults=True):
    sc = amino.Scenario(seed=seed, duration=duration, name="master_slave",
                        params=dict(replicas=replicas, ack_timeout_ms=ack_timeout_ms, refresh_ms=refresh_ms,
                                    clients=clients, client_hosts=client_hosts, ops=ops, keys=keys, reads=reads,
                                    duration=duration, faults=faults))
    servers = [f"s{i}" for i in range(1, replicas + 2)]  # one spare: a replaced replica needs a node
    for s in servers:
        sc.host(s, "cloud_server", region="dc1", labels={"tier": "server"})
    hosts = [f"c{i}" for i in range(1, client_hosts + 1)]
    for h in hosts:
        sc.host(h, "phone_wifi")
    sc.deploy("reg", on="s1", cls="Register",
              dms=[("LoadBalancedMasterSlave", {"replicas": replicas, "ackTimeoutMs": ack_timeout_ms,
                                                "refreshMs": refresh_ms})],
              selector=amino.selector(tier="server"))
    rest = (1 - reads) / (0.35 + 0.15)
    quiet = nemesis.quiet_for(duration)
    workload.register(sc, "reg", hosts, seed=seed, clients=clients, ops=ops, keys=keys,
                      think=workload.think_for(ops, duration - quiet), timeout=1.0, check="bounded-staleness",
                      check_options={"bound_ms": None}, read=reads, write=0.35 * rest, cas=0.15 * rest)
    if faults:
        down = nemesis.generate(servers, seed=seed, end=duration, quiet=quiet, kinds=("crash", "message_faults"),
                                max_down=1, interval=(0.5, 2.0), duration=(0.3, 2.0), reorder_window=(0.0, 0.05))
        cut = nemesis.generate(servers + hosts, seed=seed + 1, end=duration, quiet=quiet,
                               kinds=("partition", "partition_one_way"), interval=(1.0, 3.0), duration=(0.2, 1.5))
        nemesis.apply(sc, nemesis.merge(servers_only_duplicate(down, servers), cut))
    return sc
