"""ConsensusRSM's placement variants and its localReads option under a generated nemesis: the
hunt target for every ConsensusRSM the catalogue names (docs/dm-catalogue.md, docs/hunts.md).

`dm` picks the variant and the hosts that suit it: ConsensusRSM (servers in regions of their own),
ConsensusRSM-Cluster (servers in one region, and one elsewhere its placement must leave out),
ConsensusRSM-Geo (two servers in each of `replicas` regions), ConsensusRSM-P2P (the replicas on the
clients' own devices, labelled role=client, so local reads are local). Every variant promises
linearizability (check "linearizable", register model); with local_reads the promise is the
documented weaker one: writes linearizable, a read answered from some replica's applied state, so
it shows the state after some prefix of the writes (check "bounded-staleness" without a bound)."""
import amino
from amino import nemesis, workload

DESCRIPTION = "ConsensusRSM-Cluster/-Geo/-P2P (or ConsensusRSM), optionally with localReads, under a generated nemesis"
VARIANTS = ("ConsensusRSM", "ConsensusRSM-Cluster", "ConsensusRSM-Geo", "ConsensusRSM-P2P")
PARAMS = {"dm": "ConsensusRSM-Cluster", "local_reads": False, "replicas": 3, "clients": 3, "ops": 30, "keys": 2,
          "reads": 0.5, "duration": 10.0, "faults": True}
PARAM_RANGES = {"replicas": (1, 7), "clients": (1, 32), "ops": (1, 10000), "keys": (1, 100), "reads": (0.0, 1.0),
                "duration": (6.0, 3600.0)}


def _hosts(sc, dm, replicas):
    """Adds the variant's hosts; returns (nodes the nemesis breaks, nodes the clients run on)."""
    if dm == "ConsensusRSM-P2P":
        devices = [f"d{i}" for i in range(1, replicas + 2)]  # one spare device for a rebuilt replica
        for d in devices:
            sc.host(d, "phone_wifi", region="home", labels={"role": "client"})
        return devices, devices
    if dm == "ConsensusRSM-Cluster":
        servers = [(f"s{i}", "dc1") for i in range(1, replicas + 2)] + [("far", "dc2")]
    elif dm == "ConsensusRSM-Geo":
        servers = [(f"s{r}{x}", f"r{r}") for r in range(1, replicas + 1) for x in "ab"]
    else:
        servers = [(f"s{i}", f"r{i}") for i in range(1, replicas + 2)]
    for name, region in servers:
        sc.host(name, "cloud_server", region=region, labels={"tier": "server"})
    clients = ["c1", "c2"]
    for c in clients:
        sc.host(c, "phone_wifi")
    return [n for n, _ in servers] + clients, clients



def build(seed=1, dm="ConsensusRSM-Cluster", local_reads=False, replicas=3, clients=3, ops=30, keys=2, reads=0.5,
          duration=10.0, faults=True):
    if dm not in VARIANTS:
        raise ValueError(f"parameter dm: {dm!r} is not one of {', '.join(VARIANTS)}")
    sc = amino.Scenario(seed=seed, duration=duration, name="consensus_variants",
                        params=dict(dm=dm, local_reads=local_reads, replicas=replicas, clients=clients, ops=ops,
                                    keys=keys, reads=reads, duration=duration, faults=faults))
    broken, client_nodes = _hosts(sc, dm, replicas)
    config = {"replicas": replicas}
    if local_reads:
        config["localReads"] = True
    label = {"role": "client"} if dm == "ConsensusRSM-P2P" else {"tier": "server"}
    first = "d1" if dm == "ConsensusRSM-P2P" else broken[0]
    sc.deploy("reg", on=first, cls="Register", dms=[(dm, config)], selector=amino.selector(**label))
    rest = (1 - reads) / (0.35 + 0.15)
    mix = {"read": reads, "write": 0.35 * rest, "cas": 0.15 * rest}
    check = ("bounded-staleness", {"bound_ms": None}) if local_reads else ("linearizable", None)
    workload.register(sc, "reg", client_nodes, seed=seed, clients=clients, ops=ops, keys=keys, think=workload.think_for(ops, duration - nemesis.quiet_for(duration)),
                      timeout=1.0, check=check[0], check_options=check[1], **mix)
    if faults:
        nemesis.for_scenario(sc, broken, seed=seed, quiet=nemesis.quiet_for(duration))
    return sc
