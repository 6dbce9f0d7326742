"""The multiplayer game reproduces the paper's SHAPE (no absolute timings asserted):
cloud: both players pay their own RTT; on phone1: player 1 ~0, player 2 pays the phone-phone RTT;
replicated on both phones: reads ~0 for both, every write must update both copies (slower than in
the cloud); cached (WriteThroughCaching): reads ~0, writes one RTT to the server."""
import pytest

import amino
from amino import catalog

P1, P2 = "player1", "player2"


@pytest.fixture(scope="module")
def runs():
    names = ("cloud", "phone", "replicated", "cached")
    res = amino.sweep(lambda seed, deployment: catalog.build("multiplayer_game", seed=seed, deployment=deployment,
                                                             duration=15.0),
                      seeds=(1,), params={"deployment": list(names)}, progress=False)
    assert all(r.ok for r in res), [r.errors for r in res]
    return {r.params["deployment"]: r for r in res}


def med(res, player, op):
    return catalog.load("multiplayer_game").median_ms(res, player, op)


def test_cloud_both_players_pay_a_round_trip(runs):
    r = runs["cloud"]
    for p in (P1, P2):
        assert med(r, p, "read") > 0 and med(r, p, "write") > 0
    # 3G's round trip is the longer one; reads and writes cost about the same (one RTT each).
    assert med(r, P2, "read") > 2 * med(r, P1, "read")
    assert 0.5 < med(r, P1, "write") / med(r, P1, "read") < 2


def test_board_on_a_phone_is_local_for_its_owner_only(runs):
    r, cloud = runs["phone"], runs["cloud"]
    assert med(r, P1, "read") < 0.2 * med(r, P2, "read")
    assert med(r, P1, "write") < 0.2 * med(r, P2, "write")
    assert med(r, P1, "read") < 0.2 * med(cloud, P1, "read")


@pytest.mark.parametrize("deployment", ["replicated", "cached"])
def test_local_copies_make_reads_local_but_not_writes(runs, deployment):
    r = runs[deployment]
    for p in (P1, P2):
        assert med(r, p, "read") < 0.2 * med(r, p, "write")
        assert med(r, p, "read") < 0.2 * med(runs["cloud"], p, "read")


def test_replicated_writes_update_both_phones_so_they_cost_more_than_in_the_cloud(runs):
    # A write commits on both phones: the phone-phone round trip comes on top of the trip to the cloud.
    for p in (P1, P2):
        assert med(runs["replicated"], p, "write") > med(runs["cloud"], p, "write") + 100


def test_partition_between_phones_hurts_only_the_phone_deployment():
    res = {d: amino.run(catalog.build("multiplayer_game", deployment=d, partition=True, duration=25.0))
           for d in ("cloud", "phone", "replicated")}
    def failed_during(r):
        return [x for x in r.select(client=P2) if 11 <= x["start"] < 19 and x["outcome"] != "OK"]
    assert not failed_during(res["cloud"])
    assert failed_during(res["phone"])
    assert all(x["outcome"] == "OK" for x in res["phone"].select(client=P2) if x["start"] >= 22)
    # Replicated on both phones: reads stay local and available; writes need both copies, so they
    # stall while the phones cannot talk, and work again after the heal.
    rep = res["replicated"]
    assert all(x["outcome"] == "OK" for x in rep.select(client=P2, method="read"))
    assert [x for x in rep.select(method="move") if 11 <= x["start"] < 19 and x["outcome"] != "OK"]
    assert all(x["outcome"] == "OK" for x in rep.select(method="move") if x["start"] >= 22)
