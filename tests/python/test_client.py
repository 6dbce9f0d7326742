"""amino.connect: a Python client of a real deployment (processes on loopback). Each client is its
own session, so separate Python processes each writing once are never taken for one another's
retries (issue 9: the counter must equal the number of acknowledged writes)."""
import os
import subprocess
import sys

import pytest

import amino
from deployment import Deployment, client_of

RSM = {"name": "rsm", "class": "VisitCounter", "dmList": [{"name": "ConsensusRSM", "config": {"replicas": 3}}]}

ONE_WRITE = """
import sys, amino
with amino.connect(sys.argv[1]) as c:
    print(c.session)
    print(c.call("rsm", "visit"))
"""


@pytest.fixture(scope="module")
def deployment():
    with Deployment(servers=3) as d:
        with client_of(d) as c:
            assert d.wait_for_nodes(3, c)
            assert c.create(RSM).startswith("ms")
        yield d


def test_separate_python_processes_each_write_once(deployment):
    env = dict(os.environ)
    replies, sessions = [], set()
    for _ in range(12):
        p = subprocess.run([sys.executable, "-c", ONE_WRITE, deployment.oms], capture_output=True, text=True,
                           env=env, timeout=60)
        if p.returncode == 0:
            session, value = p.stdout.split()
            sessions.add(session)
            replies.append(int(value))
    assert len(replies) >= 6, "most writes should be acknowledged on a healthy deployment"
    assert len(sessions) == len(replies)
    assert len(set(replies)) == len(replies), f"a reply was repeated: {replies}"
    with client_of(deployment) as c:
        assert c.call("rsm", "visits") == len(replies)


def test_two_clients_in_one_process_are_two_sessions(deployment):
    with client_of(deployment) as a, client_of(deployment) as b:
        assert a.session != b.session and len(a.session) == 32
        before = a.call("rsm", "visits")
        assert a.call("rsm", "visit") != b.call("rsm", "visit")
        assert a.call("rsm", "visits") == before + 2


def test_errors_are_typed(deployment):
    with client_of(deployment) as c:
        with pytest.raises(amino.RemoteError) as e:
            c.call("no-such-thing", "visit")
        assert e.value.code == "NO_SUCH_MICROSERVICE"
        with pytest.raises(amino.RemoteError) as e:
            c.call("rsm", "no_such_method")
        assert e.value.code == "NO_SUCH_METHOD"
        with pytest.raises(amino.RemoteError) as e:
            c.create({"class": "NoSuchClass"})
        assert e.value.code == "NO_SUCH_CLASS" and "NoSuchClass" in e.value.message
        with pytest.raises(ValueError, match="line"):
            c.create("class: [unclosed")
        assert any("created by" in line for line in c.events())


def test_unreachable_oms_is_a_typed_error_not_a_hang():
    port = __import__("deployment").free_port()  # nothing listens there
    with amino.connect(f"127.0.0.1:{port}", timeout=1.0) as c:
        with pytest.raises(amino.RemoteError) as e:
            c.nodes()
        assert e.value.code in ("UNREACHABLE", "TIMEOUT")
    with pytest.raises(ValueError):
        amino.connect("127.0.0.1:1", timeout=-1)


def test_a_keyed_deployment_needs_the_key(tmp_path, monkeypatch):
    key = tmp_path / "cluster.key"
    key.write_text("0123456789abcdef0123456789abcdef\n")
    key.chmod(0o600)
    with Deployment(servers=1, extra=("--cluster-key-file", str(key))) as d:
        with amino.connect(d.oms, cluster_key_file=str(key)) as c:
            assert d.wait_for_nodes(1, c)
            ms = c.create({"class": "VisitCounter"})
            assert c.call(ms, "visit") == 1
        monkeypatch.setenv("AMINO_CLUSTER_KEY_FILE", str(key))
        with amino.connect(d.oms) as c:  # from the environment, as the programs
            assert c.call(ms, "visit") == 2
        monkeypatch.delenv("AMINO_CLUSTER_KEY_FILE")
        with amino.connect(d.oms, timeout=2.0) as c:  # no key: refused in the handshake
            with pytest.raises(amino.RemoteError) as e:
                c.call(ms, "visit")
            assert e.value.code in ("UNREACHABLE", "TIMEOUT")
    with pytest.raises(ValueError, match="16"):
        short = tmp_path / "short.key"
        short.write_text("short")
        amino.connect("127.0.0.1:1", cluster_key_file=str(short))
