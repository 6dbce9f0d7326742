"""amino.connect with a replicated OMS: three `amino-oms --peers` processes on loopback (each with its
own storage directory) and a kernel server given all three. A client given every replica (as a list or
as "A,B,C", like amino-ctl --oms) works while the first address is dead, whichever replica led."""
import os
import subprocess
import tempfile
import time

import pytest

import amino
from deployment import PROGRAMS, free_port


class ReplicatedOms:
    def __init__(self):
        self.dir = tempfile.TemporaryDirectory(prefix="amino-pyreplicas-")
        self.addrs = [f"127.0.0.1:{free_port()}" for _ in range(3)]
        self.procs = {}
        for i in range(3):
            self._start(f"oms{i}", [os.path.join(PROGRAMS, "amino-oms"), "--port", self.addrs[i].rsplit(":", 1)[1],
                                    "--peers", ",".join(self.addrs), "--heartbeat-timeout-ms", "2000",
                                    "--storage-dir", os.path.join(self.dir.name, f"oms{i}")], "listening on")
        self._start("ks", [os.path.join(PROGRAMS, "amino-kernel-server"), "--oms", ",".join(self.addrs), "--port", "0",
                           "--label", "name=ks1", "--heartbeat-ms", "300",
                           "--storage-dir", os.path.join(self.dir.name, "ks")], "amino-kernel-server")

    def _start(self, name, argv, ready):
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.procs[name] = p
        line = p.stdout.readline()
        if ready not in line:
            self.close()
            raise RuntimeError(f"{argv[0]} did not start: {line!r}")

    def kill(self, name):
        p = self.procs.pop(name)
        p.kill()
        p.wait()

    def close(self):
        for p in self.procs.values():
            p.kill()
            p.wait()
        self.procs = {}
        self.dir.cleanup()


def wait_for(fn, tries=150):
    """fn() until it returns something true without a RemoteError; bounded (elections on a loaded
    machine take a while)."""
    last = None
    for _ in range(tries):
        try:
            last = fn()
            if last:
                return last
        except amino.RemoteError as e:
            last = e
        time.sleep(0.2)
    raise AssertionError(f"never answered: {last}")


@pytest.fixture
def replicas():
    r = ReplicatedOms()
    try:
        yield r
    finally:
        r.close()


def test_connect_with_three_addresses_while_the_first_is_dead(replicas):
    with amino.connect(replicas.addrs, timeout=10.0) as c:
        assert wait_for(lambda: len(c.nodes()) == 1)
        ms = wait_for(lambda: c.create({"name": "v", "class": "VisitCounter"}))
        assert c.call(ms, "visit") == 1
    replicas.kill("oms0")  # the first address: the leader or not, it is gone
    with amino.connect(",".join(replicas.addrs), timeout=10.0) as c:
        assert wait_for(lambda: c.call("v", "visit")) == 2  # the registration survived
        other = wait_for(lambda: c.create({"class": "VisitCounter"}))
        assert c.call(other, "visit") == 1
        assert len(c.nodes()) == 1


def test_bad_oms_lists_are_value_errors():
    for bad in ([], "", "a,,b", ["127.0.0.1:1", ""], [1, 2], ["127.0.0.1:1"] * 8, "127.0.0.1:1,oms2",
                ["127.0.0.1:1", "127.0.0.1:99999"], "127.0.0.1:0", ":7400"):
        with pytest.raises(ValueError):
            amino.connect(bad)
