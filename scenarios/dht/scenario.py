"""DHT over ConsensusRSM (replicated shards) under a generated nemesis: a key-value store sharded by
consistent hashing of the key (the first argument of get/put/append), each shard a Raft group.

Five cloud servers (one per region) hold the shards' replicas (`shards` shards x `replicas`
replicas, spread by the groups); client hosts of their own run a kv workload (get / put / append,
appends not idempotent: a call applied twice shows). The check is "linearizable" per key: the DM
promises that all calls on one key reach one shard, and each shard is linearizable, so the kv model
(whose keys are independent) must hold. The nemesis is the harness's whole generated vocabulary on
the simulator (partitions, message loss/duplication/reordering, link changes, crashes with and
without storage, pauses, clock changes, and triggered faults timed to Raft's probes) over the
servers and the clients: what ConsensusRSM tolerates for a minority of each shard's replicas.
`faults=False`: no nemesis."""
import amino
from amino import nemesis, workload

DESCRIPTION = "DHT over ConsensusRSM (replicated shards) under a generated nemesis; check linearizable per key"
PARAMS = {"shards": 3, "replicas": 3, "servers": 5, "clients": 4, "client_hosts": 2, "ops": 60, "keys": 6,
          "reads": 0.4, "duration": 20.0, "faults": True}
PARAM_RANGES = {"shards": (1, 16), "replicas": (1, 9), "servers": (1, 9), "clients": (1, 64),
                "client_hosts": (1, 8), "ops": (1, 100000), "keys": (1, 1000), "reads": (0.0, 1.0),
                "duration": (6.0, 3600.0)}


def build(seed=1, shards=3, replicas=3, servers=5, clients=4, client_hosts=2, ops=60, keys=6, reads=0.4,
          duration=20.0, faults=True):
    sc = amino.Scenario(seed=seed, duration=duration, name="dht",
                        params=dict(shards=shards, replicas=replicas, servers=servers, clients=clients,
                                    client_hosts=client_hosts, ops=ops, keys=keys, reads=reads, duration=duration,
                                    faults=faults))
    hosts = [f"s{i}" for i in range(1, servers + 1)]
    for s in hosts:
        sc.host(s, "cloud_server", region=s, labels={"tier": "server"})
    client_nodes = [f"client{i}" for i in range(1, client_hosts + 1)]
    for c in client_nodes:
        sc.host(c, "phone_wifi")
    sc.deploy("kv", on=hosts[0], cls="KvStore",
              dms=[("DHT", {"shards": shards, "keyArg": 0}), ("ConsensusRSM", {"replicas": replicas})],
              selector=amino.selector(tier="server"))
    others = {k: v for k, v in workload.MIXES["kv"].items() if k != "get"}
    mix = {"get": reads, **{k: (1 - reads) * v / sum(others.values()) for k, v in others.items()}}
    quiet = min(4.0, duration / 3)
    think = max(0.02, workload.think_for(ops, duration - quiet - 1.0, fraction=0.6))
    workload.kv(sc, "kv", client_nodes, seed=seed, clients=clients, ops=ops, think=think, timeout=1.0, keys=keys, **mix)
    if faults:
        nemesis.for_scenario(sc, hosts + client_nodes, seed=seed, quiet=quiet)
    return sc
