"""A deployment in network namespaces for the tests: an OMS, three kernel servers and a client node
on a private bridge (testbed/netns/netns_cluster.py), a 3-replica ConsensusRSM counter created with
amino-ctl from the client's namespace, and the bookkeeping of the exactly-once check (issue 9): every
acknowledged increment's reply, every attempt, and the counter's final value."""
import os
import re
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "testbed", "netns"))

import netns_cluster  # noqa: E402

BUILD = os.environ.get("AMINO_BUILD") or os.path.join(REPO, "build")
PROGRAMS = os.path.join(BUILD, "bin")
SERVERS = ("ks1", "ks2", "ks3")
RSM_SPEC = "name: rsm\nclass: VisitCounter\ndmList:\n  - name: ConsensusRSM\n    config: {replicas: 3}\n"
# Faster failure detection than the programs' defaults, so a test spends seconds, not tens of them.
OMS_FLAGS = ("--heartbeat-timeout-ms", "1500")
KS_FLAGS = ("--heartbeat-ms", "300")
CALL_TIMEOUT_MS = 3000


def log(msg):
    print(f"[netns] {msg}", flush=True)


class RsmDeployment:
    def __init__(self, cluster: netns_cluster.NetnsCluster):
        self.c = cluster
        for n in ("oms", *SERVERS, "client"):
            cluster.add_node(n)
        cluster.oms(flags=OMS_FLAGS)
        for k in SERVERS:
            cluster.kernel_server(k, flags=KS_FLAGS)
        assert self.wait_nodes(3), "three kernel servers did not register: " + self.c.log("oms")[-2000:]
        spec = os.path.join(cluster.dir, "rsm.yaml")
        with open(spec, "w") as f:
            f.write(RSM_SPEC)
        r = cluster.ctl("client", "create", spec)
        assert r.returncode == 0, r.stdout + r.stderr
        self.acked = []      # reply of every acknowledged visit (the counter after it)
        self.attempts = 0    # every visit sent, acknowledged or not

    def nodes(self):
        r = self.c.ctl("client", "nodes")
        return [line.split()[0] for line in r.stdout.splitlines() if line.strip()] if r.returncode == 0 else []

    def wait_nodes(self, n, limit=20.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if len(self.nodes()) == n:
                return True
            time.sleep(0.2)
        return False

    def visit(self):
        """One increment from the client's namespace (a fresh amino-ctl: its own session)."""
        self.attempts += 1
        r = self.c.ctl("client", "call", "rsm", "visit", timeout_ms=CALL_TIMEOUT_MS)
        if r.returncode == 0:
            self.acked.append(int(r.stdout))
            return True
        log(f"visit failed (exit {r.returncode}): {r.stderr.strip()[-300:]}")
        return False

    def visit_until_ok(self, tries=12):
        """Bounded retries: True at the first acknowledged visit."""
        return any(self.visit() for _ in range(tries))

    def leader(self):
        """The kernel server whose Raft replica announced the highest term ('raft rN leads term T')."""
        best = (0, None)
        for k in SERVERS:
            for m in re.finditer(r"raft \S+ leads term (\d+)", self.c.log(k)):
                best = max(best, (int(m.group(1)), k))
        return best[1], best[0]

    def config_changes(self):
        """How many times a Raft leader proposed the whole 3-replica configuration (once at create;
        again each time ConsensusRSM re-admits a replica it had dropped as suspected)."""
        return sum(self.c.log(k).count("proposes a configuration of 3") for k in SERVERS)

    def wait_whole_group(self, changes_before, limit=20.0):
        """After a node returns: its replica is re-admitted (a new 3-replica configuration proposed)
        and committed (an increment acknowledged after it: Raft commits in log order). Until then a
        second failure can leave the group's 2-replica configuration without a quorum."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.config_changes() > changes_before:
                return self.visit_until_ok()
            time.sleep(0.2)
        return False

    def check_exactly_once(self):
        """Every acknowledged increment is in the counter, none twice: replies distinct, and
        acknowledged <= final <= attempted (an unacknowledged call may or may not have committed)."""
        r = None
        for _ in range(10):
            r = self.c.ctl("client", "call", "rsm", "visits", timeout_ms=CALL_TIMEOUT_MS)
            if r.returncode == 0:
                break
        assert r.returncode == 0, r.stderr
        final = int(r.stdout)
        log(f"exactly-once: {len(self.acked)} acknowledged of {self.attempts} attempts, counter {final}")
        assert len(set(self.acked)) == len(self.acked), f"a reply was repeated: {sorted(self.acked)}"
        assert len(self.acked) <= final <= self.attempts, (len(self.acked), final, self.attempts)
        assert all(v <= final for v in self.acked)
        return final
