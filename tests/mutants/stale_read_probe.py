"""A scenario aimed at the mutant stale_leader_read (docs/mutants.md): the first leader s1 and the
client host c2 are cut off together from s2, s3 and c1 for 2 s while clients on c1 and c2 read and
write one register. A deposed leader that answers reads from its own state serves c2 stale values
until it steps down, electionTimeoutMaxMs after its last acknowledgement, while the others may
elect a new leader after electionTimeoutMinMs: the wider that gap (emin, emax), the likelier the
catch.

    AMINO_MUTANT=stale_leader_read PYTHONPATH=build-mutants/pybind:pybind /usr/bin/python3 -m amino \
      hunt tests/mutants/stale_read_probe.py --param emin=150 --param emax=1500 --check register --seeds 20
"""
import amino
from amino import workload

PARAMS = {"cut_at": 3.0, "emin": 300, "emax": 600}


def build(seed=1, cut_at=3.0, emin=300, emax=600):
    sc = amino.Scenario(seed=seed, duration=10.0, name="stale_read_probe",
                        params=dict(cut_at=cut_at, emin=emin, emax=emax))
    for s in ("s1", "s2", "s3"):
        sc.host(s, "cloud_server", region=s, labels={"tier": "server"})
    for c in ("c1", "c2"):
        sc.host(c, "phone_wifi")
    config = {"replicas": 3, "electionTimeoutMinMs": emin, "electionTimeoutMaxMs": emax}
    sc.deploy("reg", on="s1", cls="Register", dms=[("ConsensusRSM", config)], selector=amino.selector(tier="server"))
    workload.register(sc, "reg", ["c1", "c2"], seed=seed, clients=2, ops=300, keys=1, think=0.01, timeout=1.0)
    sc.partition(cut_at, ["s1", "c2"], ["s2", "s3", "c1"]).heal(cut_at + 2.0)
    return sc
