"""A replicated object under a generated nemesis and a generated workload: the harness's own target
for `python3 -m amino hunt replicated_register --check register` (pybind/README.md).

Five cloud servers (one per region) hold the replicas; client hosts of their own run the
workload, so partitions can isolate clients as well as replicas. `model` picks the object and its
checker model: register (read/write/cas on a Register), kv (get/put/append on a KvStore: appends
are not idempotent, so a call applied twice shows), counter (add/read on a Counter, likewise), bank
(transfers between accounts of a Bank and reads of every balance: money created or lost shows), or
any (one of the four, drawn from the seed: a hunt without --check judges each seed by its own);
`reads` is the fraction of reads (get for kv), the rest split as the model's default mix.

`timing` = "random" draws ConsensusRSM's timing (election timeout window, heartbeat, Raft message
and client attempt timeouts) per seed, within the DM's documented ranges: wide election windows
leave a deposed leader serving for longer after its successor is elected, short attempt timeouts
make clients retry (and so duplicate) more calls. "default" keeps the DM's defaults. Other DMs
ignore it."""
import random

import amino
from amino import nemesis, workload

DESCRIPTION = "a replicated register/kv/counter (ConsensusRSM by default) under a generated nemesis and workload"
PARAMS = {"dm": "ConsensusRSM", "model": "register", "replicas": 5, "clients": 4, "client_hosts": 2, "ops": 60,
          "keys": 2, "reads": 0.5, "duration": 20.0, "faults": True, "local_reads": False,
          "timing": "default"}
PARAM_RANGES = {"replicas": (1, 9), "clients": (1, 64), "client_hosts": (1, 8), "ops": (1, 100000),
                "keys": (1, 1000), "reads": (0.0, 1.0), "duration": (6.0, 3600.0)}
# model -> (class, workload generator, the read operation)
MODELS = {"register": ("Register", workload.register, "read"), "kv": ("KvStore", workload.kv, "get"),
          "counter": ("Counter", workload.counter, "read"), "bank": ("Bank", workload.bank, "read")}


def build(seed=1, dm="ConsensusRSM", model="register", replicas=5, clients=4, client_hosts=2, ops=60, keys=2,
          reads=0.5, duration=20.0, faults=True, local_reads=False, timing="default"):
    if model not in (*MODELS, "any"):
        raise ValueError(f"parameter model: {model!r} is not one of {', '.join(MODELS)}, any")
    if timing not in ("default", "random"):
        raise ValueError(f"parameter timing: {timing!r} is not one of default, random")
    if model == "any":
        model = random.Random(f"replicated_register.model.{seed}").choice(sorted(MODELS))
    cls, generate, read = MODELS[model]
    sc = amino.Scenario(seed=seed, duration=duration, name="replicated_register",
                        params=dict(dm=dm, model=model, replicas=replicas, clients=clients, client_hosts=client_hosts,
                                    ops=ops, keys=keys, reads=reads, duration=duration, faults=faults,
                                    local_reads=local_reads, timing=timing))
    servers = [f"s{i}" for i in range(1, replicas + 1)]
    for s in servers:
        sc.host(s, "cloud_server", region=s, labels={"tier": "server"})
    client_nodes = [f"client{i}" for i in range(1, client_hosts + 1)]
    for c in client_nodes:
        sc.host(c, "phone_wifi")
    config = {"replicas": replicas}
    if local_reads:
        config["localReads"] = True
    if timing == "random" and dm == "ConsensusRSM":
        config.update(random_timing(seed))
    sc.deploy("reg", on=servers[0], cls=cls, dms=[(dm, config)], selector=amino.selector(tier="server"))
    # The other operations keep their default proportions and share what reads leave.
    others = {k: v for k, v in workload.MIXES[model].items() if k != read}
    mix = {read: reads, **{k: (1 - reads) * v / sum(others.values()) for k, v in others.items()}}
    per_key = {} if model == "bank" else {"keys": keys}  # the bank is one object: its accounts are its keys
    # Clients pace their calls over the faults' span (from 1 s to the quiet tail; 0.6: calls take
    # time too, more under faults), so that every fault meets calls in flight, not only those of the
    # first seconds, and most calls are issued before the run ends.
    quiet = min(4.0, duration / 3)
    think = max(0.02, workload.think_for(ops, duration - quiet - 1.0, fraction=0.6))
    generate(sc, "reg", client_nodes, seed=seed, clients=clients, ops=ops, think=think, timeout=1.0, **per_key, **mix)
    if faults:
        nemesis.for_scenario(sc, servers + client_nodes, seed=seed, quiet=quiet)
    return sc


def random_timing(seed: int) -> dict:
    """ConsensusRSM timing drawn from `seed` (its own stream: the workload and nemesis draws stay
    as they are): election window [emin, emin * 1.5..8], heartbeats 5-25 % of emin, Raft message
    timeout 1-3 heartbeats, client attempt timeout 50-1000 ms."""
    rng = random.Random(f"replicated_register.timing.{seed}")
    emin = rng.randint(100, 400)
    heartbeat = max(5, int(emin * rng.uniform(0.05, 0.25)))
    return {"electionTimeoutMinMs": emin, "electionTimeoutMaxMs": int(emin * rng.uniform(1.5, 8.0)),
            "heartbeatMs": heartbeat, "rpcTimeoutMs": int(heartbeat * rng.uniform(1.0, 3.0)),
            "attemptTimeoutMs": rng.randint(50, 1000)}
