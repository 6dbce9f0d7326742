"""Immutable: clients on their own hosts read a PresetRegister (built with its contents) from their
local copies and try to write it. The nemesis throws everything at every node, servers included
(crashes with and without storage, partitions, message faults, pauses, clock changes, slow uplinks).

The check is "immutable" (amino.guarantees): every read returns the constructed value, every write
is rejected with ABORTED (never sent on), and a client that read once keeps reading whatever
happens to the servers."""
import amino
from amino import nemesis, workload

DESCRIPTION = "Immutable PresetRegister read and written under every fault; check immutable"
PARAMS = {"clients": 3, "client_hosts": 3, "ops": 30, "keys": 3, "writes": 0.2, "duration": 8.0, "faults": True}
PARAM_RANGES = {"clients": (1, 32), "client_hosts": (1, 8), "ops": (1, 10000), "keys": (1, 100),
                "writes": (0.0, 1.0), "duration": (6.0, 3600.0)}



def build(seed=1, clients=3, client_hosts=3, ops=30, keys=3, writes=0.2, duration=8.0, faults=True):
    sc = amino.Scenario(seed=seed, duration=duration, name="immutable",
                        params=dict(clients=clients, client_hosts=client_hosts, ops=ops, keys=keys, writes=writes,
                                    duration=duration, faults=faults))
    servers = ["s1", "s2"]
    for s in servers:
        sc.host(s, "cloud_server", region="dc1", labels={"tier": "server"})
    hosts = [f"c{i}" for i in range(1, client_hosts + 1)]
    for h in hosts:
        sc.host(h, "phone_wifi")
    # Every key but the last has a value, so reads of an absent key are checked too.
    initial = {f"k{j}": f"v{j}" for j in range(keys - 1)}
    sc.deploy("reg", on="s1", cls="PresetRegister", args=[initial], dms=["Immutable"],
              selector=amino.selector(tier="server"))
    workload.register(sc, "reg", hosts, seed=seed, clients=clients, ops=ops, keys=keys, think=workload.think_for(ops, duration - nemesis.quiet_for(duration)), timeout=1.0,
                      check="immutable", check_options={"initial": initial}, read=1 - writes, write=writes, cas=0.0)
    if faults:
        nemesis.for_scenario(sc, servers + hosts, seed=seed, quiet=nemesis.quiet_for(duration))
    return sc
