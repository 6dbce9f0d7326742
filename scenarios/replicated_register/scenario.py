"""A replicated object under a generated nemesis and a generated workload: the harness's own target
for `python3 -m amino hunt replicated_register --check register` (pybind/README.md).

Five cloud servers (one per region) hold the replicas; client hosts of their own run the
workload, so partitions can isolate clients as well as replicas. `model` picks the object and its
checker model: register (read/write/cas on a Register), kv (get/put/append on a KvStore: appends
are not idempotent, so a call applied twice shows) or counter (add/read on a Counter, likewise);
`reads` is the fraction of reads (get for kv), the rest split as the model's default mix."""
import amino
from amino import nemesis, workload

DESCRIPTION = "a replicated register/kv/counter (ConsensusRSM by default) under a generated nemesis and workload"
PARAMS = {"dm": "ConsensusRSM", "model": "register", "replicas": 5, "clients": 4, "client_hosts": 2, "ops": 60,
          "keys": 2, "reads": 0.5, "duration": 20.0, "faults": True, "local_reads": False}
PARAM_RANGES = {"replicas": (1, 9), "clients": (1, 64), "client_hosts": (1, 8), "ops": (1, 100000),
                "keys": (1, 1000), "reads": (0.0, 1.0), "duration": (6.0, 3600.0)}
# model -> (class, workload generator, the read operation)
MODELS = {"register": ("Register", workload.register, "read"), "kv": ("KvStore", workload.kv, "get"),
          "counter": ("Counter", workload.counter, "read")}


def build(seed=1, dm="ConsensusRSM", model="register", replicas=5, clients=4, client_hosts=2, ops=60, keys=2,
          reads=0.5, duration=20.0, faults=True, local_reads=False):
    if model not in MODELS:
        raise ValueError(f"parameter model: {model!r} is not one of {', '.join(MODELS)}")
    cls, generate, read = MODELS[model]
    sc = amino.Scenario(seed=seed, duration=duration, name="replicated_register",
                        params=dict(dm=dm, model=model, replicas=replicas, clients=clients, client_hosts=client_hosts,
                                    ops=ops, keys=keys, reads=reads, duration=duration, faults=faults,
                                    local_reads=local_reads))
    servers = [f"s{i}" for i in range(1, replicas + 1)]
    for s in servers:
        sc.host(s, "cloud_server", region=s, labels={"tier": "server"})
    client_nodes = [f"client{i}" for i in range(1, client_hosts + 1)]
    for c in client_nodes:
        sc.host(c, "phone_wifi")
    config = {"replicas": replicas}
    if local_reads:
        config["localReads"] = True
    sc.deploy("reg", on=servers[0], cls=cls, dms=[(dm, config)], selector=amino.selector(tier="server"))
    # The other operations keep their default proportions and share what reads leave.
    others = {k: v for k, v in workload.MIXES[model].items() if k != read}
    mix = {read: reads, **{k: (1 - reads) * v / sum(others.values()) for k, v in others.items()}}
    generate(sc, "reg", client_nodes, seed=seed, clients=clients, ops=ops, keys=keys, think=0.02, timeout=1.0, **mix)
    if faults:
        nemesis.for_scenario(sc, servers + client_nodes, seed=seed, quiet=min(4.0, duration / 3))
    return sc
