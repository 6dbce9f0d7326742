"""A replicated Register under a generated nemesis and a generated register workload: the harness's
own target for `python3 -m amino hunt replicated_register --check register` (pybind/README.md).

Five cloud servers (one per region) hold the replicas; client hosts of their own run the
workload, so partitions can isolate clients as well as replicas."""
import amino
from amino import nemesis, workload

DESCRIPTION = "a replicated Register (ConsensusRSM by default) under a generated nemesis and register workload"
PARAMS = {"dm": "ConsensusRSM", "replicas": 5, "clients": 4, "client_hosts": 2, "ops": 60, "keys": 2,
          "duration": 20.0, "faults": True, "local_reads": False}
PARAM_RANGES = {"replicas": (1, 9), "clients": (1, 64), "client_hosts": (1, 8), "ops": (1, 100000),
                "keys": (1, 1000), "duration": (6.0, 3600.0)}


def build(seed=1, dm="ConsensusRSM", replicas=5, clients=4, client_hosts=2, ops=60, keys=2, duration=20.0,
          faults=True, local_reads=False):
    sc = amino.Scenario(seed=seed, duration=duration, name="replicated_register",
                        params=dict(dm=dm, replicas=replicas, clients=clients, client_hosts=client_hosts, ops=ops,
                                    keys=keys, duration=duration, faults=faults, local_reads=local_reads))
    servers = [f"s{i}" for i in range(1, replicas + 1)]
    for s in servers:
        sc.host(s, "cloud_server", region=s, labels={"tier": "server"})
    client_nodes = [f"client{i}" for i in range(1, client_hosts + 1)]
    for c in client_nodes:
        sc.host(c, "phone_wifi")
    config = {"replicas": replicas}
    if local_reads:
        config["localReads"] = True
    sc.deploy("reg", on=servers[0], cls="Register", dms=[(dm, config)], selector=amino.selector(tier="server"))
    workload.register(sc, "reg", client_nodes, seed=seed, clients=clients, ops=ops, keys=keys, think=0.02,
                      timeout=1.0)
    if faults:
        nemesis.for_scenario(sc, servers + client_nodes, seed=seed, quiet=min(4.0, duration / 3))
    return sc
