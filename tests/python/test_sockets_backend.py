"""The same scenario scripts on the sockets backend: every node a real TCP endpoint on 127.0.0.1,
real time, the platform's path latencies added in the message layer. Shape assertions only (who is
faster than whom, by wide margins), never absolute timings."""
import pytest

import amino
from amino import catalog, runner

P1, P2 = "player1", "player2"


@pytest.fixture(scope="module")
def game():
    names = ("cloud", "phone", "replicated")

    def build(seed, deployment):
        return catalog.build("multiplayer_game", seed=seed, deployment=deployment, duration=4.0).on("sockets")

    res = amino.sweep(build, seeds=(1,), params={"deployment": list(names)}, progress=False)
    assert all(r.ok for r in res), [r.errors for r in res]
    return {r.params["deployment"]: r for r in res}


def med(res, player, op):
    return catalog.load("multiplayer_game").median_ms(res, player, op, after=1.0)


def test_game_on_sockets_has_the_papers_shape(game):
    cloud, phone, rep = game["cloud"], game["phone"], game["replicated"]
    assert cloud.raw["backend"] == "sockets" and cloud.trace_hash is None
    assert med(cloud, P2, "read") > 2 * med(cloud, P1, "read") > 0        # 3G RTT >> WiFi RTT
    assert med(phone, P1, "read") < 0.2 * med(phone, P2, "read")          # local for its owner only
    assert med(phone, P1, "read") < 0.2 * med(cloud, P1, "read")
    for p in (P1, P2):                                                     # replicated: local reads,
        assert med(rep, p, "read") < 0.2 * med(rep, p, "write")           # writes still travel


def test_sockets_rejects_what_it_cannot_emulate_before_running():
    sc = (amino.Scenario(duration=2, backend="sockets").host("a", "cloud_server").host("b", "phone_wifi")
          .deploy("c", on="a", cls="VisitCounter", dms=["DefaultDM"])
          .client("p", node="b", target="c", calls=[amino.call("visit")], count=3)
          .fault(1, "pause", node="a").fault(1.5, "clock", node="a", offset_ns=5, drift=0))
    with pytest.raises(runner.ScenarioError) as e:
        amino.run(sc)
    assert len([p for p in e.value.problems if "not on the sockets backend" in p]) == 2
    with pytest.raises(runner.ScenarioError, match="runs on the sim backend"):
        amino.run(catalog.build("code_offloading").on("sockets"))
    with pytest.raises(runner.ScenarioError, match="unknown backend"):
        amino.run(sc.on("carrier-pigeon"))


def test_sockets_run_prints_a_replay_command_with_its_backend():
    res = amino.run(catalog.build("multiplayer_game", duration=1.0).on("sockets"))
    assert res.ok, res.errors
    assert "--backend sockets" in res.replay_command
