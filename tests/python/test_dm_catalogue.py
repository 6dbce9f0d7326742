"""The DM descriptors as users see them: amino.catalogue() in Python and the real `amino-ctl dms`
program (no OMS needed). Both render the same C++ DmDescriptors (dms/catalogue.h)."""
import os
import subprocess

import pytest

import amino
from deployment import PROGRAMS

CTL = os.path.join(PROGRAMS, "amino-ctl")
FIELDS = {"name", "category", "summary", "paper", "source", "guarantee", "tolerates", "caveats", "durable", "config"}
KEY_FIELDS = {"name", "type", "default", "min", "max", "doc"}


def ctl(*args):
    return subprocess.run([CTL, *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def descriptors():
    return {d["name"]: d for d in amino.catalogue()["descriptors"]}


def test_catalogue_keeps_dm_names_and_adds_full_descriptors():
    cat = amino.catalogue()
    assert cat["dms"] == sorted(cat["dms"]) and "KeepInCloud" in cat["dms"]  # unchanged: a list of names
    assert [d["name"] for d in cat["descriptors"]] == cat["dms"]
    for d in cat["descriptors"]:
        assert set(d) == FIELDS, d["name"]
        for text in ("summary", "paper", "source", "guarantee", "tolerates"):
            assert d[text], (d["name"], text)
        for key in d["config"]:
            assert set(key) == KEY_FIELDS and key["doc"], (d["name"], key)


def test_config_keys_carry_type_default_and_range():
    d = descriptors()
    retry = {k["name"]: k for k in d["AtLeastOnceRPC"]["config"]}
    assert retry["timeoutMs"] == {"name": "timeoutMs", "type": "int", "default": 20000, "min": 1, "max": 86400000,
                                  "doc": retry["timeoutMs"]["doc"]}
    assert retry["multiplier"]["type"] == "double" and retry["multiplier"]["default"] == 2.0
    assert (retry["multiplier"]["min"], retry["multiplier"]["max"]) == (1.0, 100.0)
    cloud = {k["name"]: k for k in d["KeepInCloud"]["config"]}
    assert cloud["labelKey"]["default"] == "tier" and cloud["labelKey"]["min"] is None
    p2p = {k["name"]: k for k in d["ConsensusRSM-P2P"]["config"]}
    assert p2p["deviceLabel"]["default"] == "role=client" and p2p["localReads"]["default"] is False
    assert "deviceLabel" not in {k["name"] for k in d["ConsensusRSM"]["config"]}
    assert d["ConsensusRSM"]["durable"] is True and d["DefaultDM"]["config"] == []


def test_categories_and_forbidden_orders_come_from_the_registry():
    cat = amino.catalogue()
    assert cat["categories"]["caching"]["dms"] == ["ConsistentCaching", "ExplicitCaching", "Immutable", "LeaseCaching",
                                                  "WriteThroughCaching"]
    assert cat["categories"]["transactions"]["dms"] == ["DurableTransactions", "LockingTransactions",
                                                       "OptimisticTransactions", "TwoPhaseCommit"]
    assert all(c["why"] for c in cat["categories"].values())
    assert {"outer": "CodeOffloading", "inner": "ConsensusRSM-Geo"} in [
        {"outer": r["outer"], "inner": r["inner"]} for r in cat["forbidden"]]


def test_ctl_dms_lists_every_dm_with_category_and_summary():
    ran = ctl("dms")
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    d = descriptors()
    assert [line.split()[0] for line in lines] == sorted(d)
    for line in lines:
        name, category = line.split()[:2]
        assert category == (d[name]["category"] or "-") and line.endswith(d[name]["summary"])


def test_ctl_dms_name_prints_the_full_descriptor():
    ran = ctl("dms", "LeaseCaching")
    assert ran.returncode == 0, ran.stderr
    out = " ".join(ran.stdout.split())  # the text is wrapped
    d = descriptors()["LeaseCaching"]
    for text in (d["summary"], d["guarantee"], d["tolerates"], d["caveats"], d["paper"], d["source"]):
        assert " ".join(text.split()) in out
    assert "leaseMs (int, default 2000, range 1 .. 86400000)" in out
    assert ("not in one chain with ConsistentCaching, ExplicitCaching, Immutable, WriteThroughCaching"
            " (category caching)") in out


def test_ctl_dms_markdown_is_the_committed_catalogue():
    ran = ctl("dms", "--markdown")
    assert ran.returncode == 0, ran.stderr
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    with open(os.path.join(repo, "docs", "dm-catalogue.md"), encoding="utf-8") as f:
        assert ran.stdout == f.read(), "regenerate: amino-ctl dms --markdown > docs/dm-catalogue.md"


@pytest.mark.parametrize("args, text", [
    (("dms", "NoSuchDM"), "amino-ctl: unknown DM 'NoSuchDM' (registered: AtLeastOnceRPC,"),
    (("dms", "KeepInPlace", "KeepInCloud"), "at most one DM name"),
    (("dms", "--markdown", "KeepInPlace"), "takes no DM name"),
    (("nodes", "--markdown"), "--markdown is an option of dms only"),
])
def test_ctl_dms_bad_input_is_a_usage_error(args, text):
    ran = ctl(*args)
    assert ran.returncode == 2, (ran.returncode, ran.stdout, ran.stderr)
    assert text in ran.stderr and ran.stdout == ""
