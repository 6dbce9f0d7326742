"""Multiplayer game (Sapphire OSDI'14 §4, reference sapphire.md §4): two players on phones, one on
WiFi and one on 3G, and a cloud server. The game is three microservices (Board, Scores, GameLogic,
scenarios/multiplayer_game/game.h); players read Board.read() and move with GameLogic.move().
Deployments differ ONLY in the DM specs:

  cloud       every microservice KeepInCloud (on the server labelled tier=cloud)
  phone       every microservice KeepInPlace, created by phone1: the game lives on player 1's phone
  replicated  Board under ConsensusRSM-P2P with 2 replicas, one on each phone, and localReads: a
              player's reads are answered by the replica on its own phone (no log round, possibly
              stale); every write (GameLogic.move in the cloud -> Board.place) is committed by
              Raft on BOTH phones before it returns, so writes pay the phone-phone round trip on
              top of the trip to the cloud. Raft timings are stretched for the 220 ms phone-phone
              RTT (RSM_WAN below). GameLogic and Scores stay KeepInCloud. Under a phone-phone
              partition reads stay local and writes stall until the heal (no quorum of 2).
  cached      Board under WriteThroughCaching (outer) + KeepInCloud: each phone reads a local copy
              (refreshed when older than refreshMs, so reads are local but up to refreshMs stale);
              writes go through to the server copy only.
  dynamic     Board under DynamicMigration (created in the cloud); GameLogic/Scores KeepInCloud.
              Player 1 reads 3x as often as player 2, so the board's callers are unbalanced and the
              DM may move it toward player 1 (dms/dynamic_migration.h).

Network (testbed/presets.h, basis in testbed/README.md): phone1 = phone_wifi (10 ms one-way uplink, 20
Mbit/s: home/office WiFi to a nearby region, ~20 ms RTT, order of magnitude in Huang et al.,
MobiSys 2012), phone2 = phone_3g (100 ms one-way, 1 Mbit/s: HSPA, 150-300 ms RTT in the same
literature), cloud = cloud_server (50 us, 10 GbE). Star routes: phone1<->cloud RTT ~20 ms,
phone2<->cloud ~200 ms, phone1<->phone2 ~220 ms (both go through the core, as phones behind carrier
NAT do).

partition=true cuts phone1 from phone2 (both still reach the cloud) from t=10 s to t=20 s.
"""
import statistics

import amino
from amino import report

DESCRIPTION = "two phones (WiFi, 3G) + cloud; board in cloud / on a phone / replicated on both / cached / dynamic"
PARAMS = {"deployment": "cloud", "partition": False, "duration": 30.0, "refresh_ms": 1000}
PARAM_RANGES = {"duration": (1.0, 1e6), "refresh_ms": (0, 86_400_000)}  # s; ms (WriteThroughCaching refreshMs)
DEPLOYMENTS = ("cloud", "phone", "replicated", "cached", "dynamic")
BOARD_SIZE = 16
PLAYERS = {"player1": "phone1", "player2": "phone2"}
READ_THINK = {"player1": 0.1, "player2": 0.3}   # s between reads (player 1 is the busier one)
MOVE_THINK = 0.5                                  # s between moves
PARTITION = (10.0, 20.0)
# Raft over a 220 ms phone-phone RTT: one peer message may take a round trip plus queueing, and
# elections must not fire between heartbeats (defaults assume a data centre: dms/consensus_rsm.h).
RSM_WAN = {"rpcTimeoutMs": 600, "heartbeatMs": 150, "electionTimeoutMinMs": 1500, "electionTimeoutMaxMs": 3000,
           "attemptTimeoutMs": 1500}


def platform(sc):
    """Hosts of the experiment (see the module docstring for the numbers' basis)."""
    return (sc.host("cloud", "cloud_server", labels={"tier": "cloud"})
              .host("phone1", "phone_wifi", labels={"role": "client"})
              .host("phone2", "phone_3g", labels={"role": "client"}))


def dm_specs(deployment, refresh_ms):
    """(creator host, {microservice: dmList}) of one deployment: the only thing that changes (plus,
    for the P2P replicas, the board's node selector: its replicas live on client devices)."""
    cloud = ["KeepInCloud"]
    if deployment == "cloud":
        return "cloud", {"board": cloud, "scores": cloud, "logic": cloud}
    if deployment == "phone":
        return "phone1", {"board": ["KeepInPlace"], "scores": ["KeepInPlace"], "logic": ["KeepInPlace"]}
    if deployment == "replicated":
        p2p = [("ConsensusRSM-P2P", {"replicas": 2, "localReads": True, **RSM_WAN})]
        return "phone1", {"board": p2p, "scores": cloud, "logic": cloud}
    if deployment == "cached":
        wtc = [("WriteThroughCaching", {"refreshMs": int(refresh_ms)}), "KeepInCloud"]
        return "cloud", {"board": wtc, "scores": cloud, "logic": cloud}
    if deployment == "dynamic":
        dyn = [("DynamicMigration", {"periodMs": 1000, "minDwellMs": 5000, "minGain": 0.1})]
        return "cloud", {"board": dyn, "scores": cloud, "logic": cloud}
    raise ValueError(f"unknown deployment {deployment!r} (one of {', '.join(DEPLOYMENTS)})")


def moves(player_index, n):
    """Distinct cells for each player: player 0 takes even cells, player 1 odd ones."""
    return [amino.call("move", f"player{player_index + 1}", (2 * k + player_index) % BOARD_SIZE,
                       (2 * k + player_index) // BOARD_SIZE) for k in range(n)]


def build(seed=1, deployment="cloud", partition=False, duration=30.0, refresh_ms=1000):
    sc = platform(amino.Scenario(seed=seed, duration=duration))
    creator, dms = dm_specs(deployment, refresh_ms)
    on_devices = amino.selector(role="client") if deployment == "replicated" else None
    sc.deploy("board", on=creator, cls="Board", args=[BOARD_SIZE], dms=dms["board"], selector=on_devices)
    sc.deploy("scores", on=creator, cls="Scores", dms=dms["scores"])
    sc.deploy("logic", on=creator, cls="GameLogic", dms=dms["logic"], init=[("setup", "board", "scores")])
    max_moves = BOARD_SIZE * BOARD_SIZE // 2
    for i, (player, node) in enumerate(PLAYERS.items()):
        sc.client(player, node=node, target="board", calls=[amino.call("read")],
                  count=100000, think=READ_THINK[player], timeout=2.0)
        sc.client(player, node=node, target="logic", calls=moves(i, max_moves),
                  count=max_moves, think=MOVE_THINK, start=0.05, timeout=2.0)
    if partition:
        sc.partition(PARTITION[0], ["phone1"], ["phone2"]).heal(PARTITION[1])
    sc.origin = {"name": "multiplayer_game", "params": {"deployment": deployment, "partition": partition,
                                                        "duration": duration, "refresh_ms": refresh_ms}}
    return sc


# ---------------------------------------------------------------- analysis

def latency_table(results, after=2.0):
    """Rows (deployment, partition, player, op, median/mean/p95 ms, calls, failed) over all seeds.
    `after` skips the first seconds (first lookups at the OMS; DynamicMigration's first moves)."""
    rows = report.flatten(results)
    for r in rows:
        r["op"] = "read" if r["method"] == "read" else "write"
        r["player"] = r["client"]
    return report.aggregate(rows, by=("deployment", "partition", "player", "op"), after=after)


def median_ms(res, player, op, after=2.0):
    """Median latency (ms) of one player's successful reads or writes in one run."""
    method = "read" if op == "read" else "move"
    lat = [r["latency"] * 1e3 for r in res.select(client=player, method=method) if r["outcome"] == "OK" and r["start"] >= after]
    return statistics.median(lat) if lat else float("nan")


def reproduce(out_dir, processes=2, seeds=(1, 2, 3)):
    """Every deployment with and without the phone-phone partition, 3 seeds; CSV, Markdown, figures."""
    import os
    results = amino.sweep(build, seeds=seeds, params={"deployment": list(DEPLOYMENTS), "partition": [False, True]},
                          processes=processes)
    os.makedirs(out_dir, exist_ok=True)
    failed = [r for r in results if not r.ok]
    for r in failed:
        print("run failed:", r.params, r.seed, r.errors[:3])
    report.write_csv(report.flatten(results), os.path.join(out_dir, "records.csv"))
    table = latency_table(results)
    report.write_csv(table, os.path.join(out_dir, "latency_table.csv"))
    runs = [{"deployment": r.params["deployment"], "partition": r.params["partition"], "seed": r.seed,
             "ok": r.ok, "calls": len(r.records), "trace_hash": r.trace_hash, "replay": r.replay_command}
            for r in results]
    report.write_csv(runs, os.path.join(out_dir, "runs.csv"))
    with open(os.path.join(out_dir, "latency_table.md"), "w") as f:
        f.write(report.markdown(table))
    plot(out_dir)


def plot(out_dir):
    """Figures from the CSVs in out_dir (the notebook calls the same function)."""
    import os
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    table = report.read_csv(os.path.join(out_dir, "latency_table.csv"))
    fig, ax = plt.subplots(figsize=(8, 4))
    series = [("player1", "read"), ("player1", "write"), ("player2", "read"), ("player2", "write")]
    width = 0.2
    for k, (player, op) in enumerate(series):
        ys = []
        for d in DEPLOYMENTS:
            row = [r for r in table if r["deployment"] == d and r["player"] == player and r["op"] == op
                   and str(r["partition"]) == "False"]
            ys.append(row[0]["median_ms"] if row and row[0]["median_ms"] != "" else 0)
        ax.bar([i + (k - 1.5) * width for i in range(len(DEPLOYMENTS))], ys, width,
               label=f"{player} ({'WiFi' if player == 'player1' else '3G'}) {op}")
    ax.set_xticks(range(len(DEPLOYMENTS)), DEPLOYMENTS)
    ax.set_ylabel("median latency (ms)")
    ax.set_title("Multiplayer game: per-player latency, only the DM spec changes")
    ax.set_ylim(0, ax.get_ylim()[1] * 1.35)
    ax.legend(fontsize=8, ncol=2, loc="upper left")
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "latency_by_deployment.png"), dpi=110)
    plt.close(fig)

    records = report.read_csv(os.path.join(out_dir, "records.csv"))
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
    for ax, d in zip(axes, ("cloud", "phone")):
        for player, marker in (("player1", "."), ("player2", "x")):
            pts = [(r["start"], max(r["latency"] * 1e3, 0.01)) for r in records if r["deployment"] == d
                   and str(r["partition"]) == "True" and r["seed"] == 1 and r["client"] == player and r["method"] == "read"]
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker, label=player, markersize=4)
        ax.axvspan(*PARTITION, color="red", alpha=0.1, label="phone1 | phone2 partition")
        ax.set_title(f"board: {d}")
        ax.set_xlabel("time (s)")
        ax.set_yscale("log")
    axes[0].set_ylabel("read latency (ms; failures at the 2 s timeout)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "partition_timeline.png"), dpi=110)
    plt.close(fig)
