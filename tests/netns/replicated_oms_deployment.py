"""A replicated OMS in network namespaces for the tests: three amino-oms replicas (--peers, each with
its own storage directory), two kernel servers and a client, each node in its own namespace
(testbed/netns/netns_cluster.py); microservices created with `amino-ctl --oms A,B,C` from the
client's namespace, and the bookkeeping of the check that no acknowledged create is lost: the name
and id of every acknowledged create, every attempt."""
import os
import re
import time

from netns_deployment import CALL_TIMEOUT_MS, KS_FLAGS, OMS_FLAGS, log

REPLICAS = ("oms1", "oms2", "oms3")
SERVERS = ("ks1", "ks2")
CLIENT = "client"
# amino-ctl against a replicated OMS follows redirects and tries the other replicas for at least 12
# tries and 10 s (2 s per try; runtime/kernel.h), whatever --timeout-ms says: it is killed after this.
CTL_LIMIT = 60.0

# The replica's own log lines (replicated_oms/oms_replica.cc): it serves from the first until the next.
LEADS = re.compile(r"OMS replica \S+ leads \(term (\d+)\)")
STOPS = re.compile(r"OMS replica \S+ no longer leads|amino-oms listening on")


class ReplicatedOmsDeployment:
    def __init__(self, cluster):
        self.c = cluster
        for n in (*REPLICAS, *SERVERS, CLIENT):
            cluster.add_node(n)
        cluster.oms_group(REPLICAS, flags=OMS_FLAGS)
        for k in SERVERS:
            cluster.kernel_server(k, oms=REPLICAS, flags=KS_FLAGS)
        assert self.wait_nodes(len(SERVERS)), "the kernel servers did not register: " + self.logs_tail()
        self.acked = {}      # name -> id of every acknowledged create
        self.attempts = 0    # every create sent, acknowledged or not

    def ctl(self, *args, oms=REPLICAS, limit=CTL_LIMIT):
        return self.c.ctl(CLIENT, *args, oms=oms, timeout_ms=CALL_TIMEOUT_MS, limit=limit)

    def nodes(self):
        r = self.ctl("nodes")
        return [line.split()[0] for line in r.stdout.splitlines() if line.strip()] if r.returncode == 0 else []

    def wait_nodes(self, n, limit=30.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if len(self.nodes()) == n:
                return True
            time.sleep(0.2)
        return False

    def spec(self, name):
        path = os.path.join(self.c.dir, name + ".yaml")
        with open(path, "w") as f:
            f.write(f"name: {name}\nclass: VisitCounter\n")
        return path

    def create(self, oms=REPLICAS):
        """One create from the client's namespace (a fresh amino-ctl given the OMS list `oms`), under a
        name never used before: a create that was not acknowledged may or may not have taken effect."""
        self.attempts += 1
        name = f"obj{self.attempts}"
        r = self.ctl("create", self.spec(name), oms=oms)
        if r.returncode == 0:
            self.acked[name] = r.stdout.strip()
            return True
        log(f"create {name} failed (exit {r.returncode}): {r.stderr.strip()[-300:]}")
        return False

    def create_until_ok(self, tries=8):
        """Bounded retries: True at the first acknowledged create."""
        return any(self.create() for _ in range(tries))

    def leader(self):
        """(replica, term) of the live replica that serves in the highest term by its log, or
        (None, 0). A deposed replica that has not noticed yet may still claim an older term."""
        best = (0, None)
        for n in REPLICAS:
            node = self.c.node(n)
            if node.proc is None or node.proc.poll() is not None:
                continue
            text = self.c.log(n)
            lead = list(LEADS.finditer(text))
            stop = list(STOPS.finditer(text))
            if lead and (not stop or stop[-1].start() < lead[-1].start()):
                best = max(best, (int(lead[-1].group(1)), n))
        return best[1], best[0]

    def wait_leader(self, exclude=(), limit=30.0):
        """Until a replica not in `exclude` logs that it serves: (replica, term), or (None, 0)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            leader, term = self.leader()
            if leader is not None and leader not in exclude:
                return leader, term
            time.sleep(0.05)
        return None, 0

    def check_every_acked_create_answers(self):
        """Every acknowledged create is known to the OMS by its name and answers a call; no two
        acknowledged creates got the same id (ids must not collide across leaders' terms)."""
        ids = list(self.acked.values())
        assert len(set(ids)) == len(ids), f"an id was handed out twice: {sorted(ids)}"
        missing = {}
        for name in self.acked:
            r = None
            for _ in range(5):
                r = self.ctl("call", name, "visit")
                if r.returncode == 0:
                    break
            if r.returncode != 0:
                missing[name] = r.stderr.strip()[-200:]
        log(f"acknowledged creates: {len(self.acked)} of {self.attempts} attempts; not answering: {len(missing)}")
        assert not missing, f"acknowledged creates that do not answer: {missing}"

    def logs_tail(self):
        return "".join(f"\n--- {n}:\n{self.c.log(n)[-1500:]}" for n in (*REPLICAS, *SERVERS))
