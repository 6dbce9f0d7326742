"""A real deployment for Python tests: amino-oms and kernel servers as processes on loopback."""
import os
import socket
import subprocess
import tempfile
import time

import amino

BUILD = os.environ.get("AMINO_BUILD") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build")
PROGRAMS = os.path.join(BUILD, "bin")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Deployment:
    """`servers` kernel servers (labelled name=ks<i>) and an OMS; extra flags go to every program."""

    def __init__(self, servers=3, extra=()):
        self.dir = tempfile.TemporaryDirectory(prefix="amino-pydeploy-")
        self.oms = f"127.0.0.1:{free_port()}"
        self.procs = []
        self._start([os.path.join(PROGRAMS, "amino-oms"), "--port", self.oms.rsplit(":", 1)[1], *extra],
                    "listening on")
        for i in range(servers):
            self._start([os.path.join(PROGRAMS, "amino-kernel-server"), "--oms", self.oms, "--port", "0",
                         "--label", f"name=ks{i}", "--storage-dir", os.path.join(self.dir.name, f"ks{i}"), *extra],
                        "amino-kernel-server")

    def _start(self, argv, ready):
        p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.procs.append(p)
        line = p.stdout.readline()  # the program prints its first line once it serves
        if ready not in line:
            self.close()
            raise RuntimeError(f"{argv[0]} did not start: {line!r}")

    def wait_for_nodes(self, n, client):
        for _ in range(100):
            if len(client.nodes()) >= n:
                return True
            time.sleep(0.1)
        return False

    def close(self):
        for p in self.procs:
            p.kill()
            p.wait()
        self.dir.cleanup()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def client_of(deployment):
    return amino.connect(deployment.oms, timeout=10.0)
