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
              DM may move it toward player 1 (dms/dynamic_migration.h). live_migration=true moves
              it by pre-copy live migration instead of stop-and-copy (migration_cost.py compares).

Network (testbed/presets.h, basis in testbed/README.md): phone1 = phone_wifi (10 ms one-way uplink, 20
Mbit/s: home/office WiFi to a nearby region, ~20 ms RTT, order of magnitude in Huang et al.,
MobiSys 2012), phone2 = phone_3g (100 ms one-way, 1 Mbit/s: HSPA, 150-300 ms RTT in the same
literature), cloud = cloud_server (50 us, 10 GbE). Star routes: phone1<->cloud RTT ~20 ms,
phone2<->cloud ~200 ms, phone1<->phone2 ~220 ms (both go through the core, as phones behind carrier
NAT do).

partition=true cuts phone1 from phone2 (both still reach the cloud) from t=10 s to t=20 s (a run
shorter than 20 s, which cannot hold that window, is cut over the middle third of its duration).

Backends: sim (default), sockets, and netns (`python3 -m amino run multiplayer_game --backend netns
--param duration=8`, as root): oms, cloud, phone1 and phone2 each run as their own process
(bin/amino-scenario-node) in their own network namespace, talking real TCP over a private bridge
with a fresh cluster key; the WiFi/3G/cloud latencies and bandwidths above are emulated in the
message layer, and the partition is an nftables black hole between the phones' namespaces, so the
replicated board's Raft meets real TCP timeouts (amino/netns_backend.py, docs/faults.md "Network
namespaces"). Same records, history and tables as the other backends; real time, no trace hash.
"""
import os
import statistics

import amino
from amino import figures, report

DESCRIPTION = "two phones (WiFi, 3G) + cloud; board in cloud / on a phone / replicated on both / cached / dynamic"
PARAMS = {"deployment": "cloud", "partition": False, "duration": 30.0, "refresh_ms": 1000, "live_migration": False}
PARAM_RANGES = {"duration": (1.0, 1e6), "refresh_ms": (0, 86_400_000)}  # s; ms (WriteThroughCaching refreshMs)
DEPLOYMENTS = ("cloud", "phone", "replicated", "cached", "dynamic")
BACKENDS = ("sim", "sockets", "netns")
BOARD_SIZE = 16
PLAYERS = {"player1": "phone1", "player2": "phone2"}
READ_THINK = {"player1": 0.1, "player2": 0.3}   # s between reads (player 1 is the busier one)
MOVE_THINK = 0.5                                  # s between moves
PARTITION = (10.0, 20.0)
WARMUP_S = 2.0  # tables and figures skip calls started earlier (first lookups at the OMS; first migrations)
# Raft over a 220 ms phone-phone RTT: one peer message may take a round trip plus queueing, and
# elections must not fire between heartbeats (defaults assume a data centre: dms/consensus_rsm.h).
RSM_WAN = {"rpcTimeoutMs": 600, "heartbeatMs": 150, "electionTimeoutMinMs": 1500, "electionTimeoutMaxMs": 3000,
           "attemptTimeoutMs": 1500}


def platform(sc):
    """Hosts of the experiment (see the module docstring for the numbers' basis)."""
    return (sc.host("cloud", "cloud_server", labels={"tier": "cloud"})
              .host("phone1", "phone_wifi", labels={"role": "client"})
              .host("phone2", "phone_3g", labels={"role": "client"}))


def dm_specs(deployment, refresh_ms, live_migration=False):
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
        live = {"liveMigration": True} if live_migration else {}
        dyn = [("DynamicMigration", {"periodMs": 1000, "minDwellMs": 5000, "minGain": 0.1, **live})]
        return "cloud", {"board": dyn, "scores": cloud, "logic": cloud}
    raise ValueError(f"unknown deployment {deployment!r} (one of {', '.join(DEPLOYMENTS)})")


def partition_window(duration):
    """(cut, heal) in s: PARTITION, or the middle third of a run too short to hold it."""
    if duration >= PARTITION[1]:
        return PARTITION
    return (round(duration / 3, 3), round(2 * duration / 3, 3))


def moves(player_index, n):
    """Distinct cells for each player: player 0 takes even cells, player 1 odd ones."""
    return [amino.call("move", f"player{player_index + 1}", (2 * k + player_index) % BOARD_SIZE,
                       (2 * k + player_index) // BOARD_SIZE) for k in range(n)]


def build(seed=1, deployment="cloud", partition=False, duration=30.0, refresh_ms=1000, live_migration=False):
    sc = platform(amino.Scenario(seed=seed, duration=duration))
    creator, dms = dm_specs(deployment, refresh_ms, live_migration)
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
        cut, heal = partition_window(duration)
        sc.partition(cut, ["phone1"], ["phone2"]).heal(heal)
    sc.origin = {"name": "multiplayer_game", "params": {"deployment": deployment, "partition": partition,
                                                        "duration": duration, "refresh_ms": refresh_ms}}
    if live_migration:  # only when set: the other runs' scenarios stay byte for byte what they were
        sc.origin["params"]["live_migration"] = True
    return sc


# ---------------------------------------------------------------- analysis

def latency_table(results, after=WARMUP_S):
    """Rows (deployment, partition, player, op, median/mean/p95 ms, calls, failed) over all seeds.
    `after` skips the first seconds (first lookups at the OMS; DynamicMigration's first moves)."""
    rows = report.flatten(results)
    for r in rows:
        r["op"] = "read" if r["method"] == "read" else "write"
        r["player"] = r["client"]
    return report.aggregate(rows, by=("deployment", "partition", "player", "op"), after=after)


def median_ms(res, player, op, after=WARMUP_S):
    """Median latency (ms) of one player's successful reads or writes in one run."""
    method = "read" if op == "read" else "move"
    lat = [r["latency"] * 1e3 for r in res.select(client=player, method=method) if r["outcome"] == "OK" and r["start"] >= after]
    return statistics.median(lat) if lat else float("nan")


def reproduce(out_dir, processes=2, seeds=(1, 2, 3)):
    """Every deployment with and without the phone-phone partition, 3 seeds; CSV, Markdown, figures."""
    results = amino.sweep(build, seeds=seeds, params={"deployment": list(DEPLOYMENTS), "partition": [False, True]},
                          processes=processes)
    os.makedirs(out_dir, exist_ok=True)
    failed = [r for r in results if not r.ok]
    for r in failed:
        print("run failed:", r.params, r.seed, r.errors[:3])
    report.write_csv(report.flatten(results), os.path.join(out_dir, "records.csv"))
    table = latency_table(results)
    report.write_csv(table, os.path.join(out_dir, "latency_table.csv"))
    # Replay commands relative to the repository root: the files are committed (results/README.md).
    runs = [{"deployment": r.params["deployment"], "partition": r.params["partition"], "seed": r.seed,
             "ok": r.ok, "calls": len(r.records), "trace_hash": r.trace_hash,
             "replay": amino.replay_command(r.scenario, relative=True)}
            for r in results]
    report.write_csv(runs, os.path.join(out_dir, "runs.csv"))
    with open(os.path.join(out_dir, "latency_table.md"), "w") as f:
        f.write(report.markdown(table))
    plot(out_dir)


# ---------------------------------------------------------------- figures (amino/figures.py: conventions)

SERIES = [("player1", "read"), ("player1", "write"), ("player2", "read"), ("player2", "write")]
NETWORK = {"player1": "WiFi", "player2": "3G"}
PLAYER_COLORS = {"player1": "tab:blue", "player2": "tab:orange"}
DEPLOYMENT_STYLES = {"cloud": ("tab:blue", "-"), "phone": ("tab:orange", "--"), "replicated": ("tab:green", "-."),
                     "cached": ("tab:red", ":"), "dynamic": ("tab:purple", (0, (5, 1, 1, 1)))}


def latency_by_deployment_figure(out_dir):
    """Median latency of each player's reads and writes per deployment, no partition, 3 seeds
    (latency_table.csv). Linear axis from 0: the medians that are 0 (local reads) are the point."""
    path = os.path.join(out_dir, "latency_table.csv")
    table = [r for r in report.read_csv(path) if str(r["partition"]) == "False"]
    fig, axes = figures.new_figure(figsize=(8, 4.2))
    ax = axes[0][0]
    width = 0.2
    medians = []
    for k, (player, op) in enumerate(SERIES):
        ys = []
        for d in DEPLOYMENTS:
            row = [r for r in table if r["deployment"] == d and r["player"] == player and r["op"] == op]
            ys.append(row[0]["median_ms"] if row else None)  # "" when no call succeeded: labelled n/a
        medians += figures.finite(ys)
        figures.bars(ax, [i + (k - 1.5) * width for i in range(len(DEPLOYMENTS))], ys, width,
                     label=f"{player} ({NETWORK[player]}) {op}")
    ax.set_xticks(range(len(DEPLOYMENTS)), DEPLOYMENTS)
    ax.set_ylabel("median latency (ms)")
    ax.set_title("Multiplayer game: per-player median latency, only the DM spec changes")
    ax.set_ylim(0, max(medians + [1.0]) * 1.4)  # room for the legend and the value labels
    ax.legend(fontsize=8, ncol=2, loc="upper left")
    figures.cite(fig, path, __file__)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


def partition_timeline_figure(out_dir, seed=1):
    """Every call of one seed's partition=true runs over time, one panel per deployment (records.csv):
    reads and writes of both players, failed calls at the time they gave up."""
    path = os.path.join(out_dir, "records.csv")
    records = [r for r in report.read_csv(path) if str(r["partition"]) == "True" and r["seed"] == seed]
    shown = [d for d in DEPLOYMENTS if any(r["deployment"] == d for r in records)]
    fig, axes = figures.new_figure(len(shown), 1, figsize=(10, 1.9 * len(shown) + 0.6), sharex=True)
    top = figures.log_headroom(max([r["latency"] * 1e3 for r in records] + [1.0]), decades=0.3)
    for ax, d in zip(axes[:, 0], shown):
        runs = [r for r in records if r["deployment"] == d]
        for player, op in SERIES:
            method = "read" if op == "read" else "move"
            calls = [r for r in runs if r["client"] == player and r["method"] == method]
            ok = [r for r in calls if r["outcome"] == "OK"]
            ax.plot([r["start"] for r in ok], [r["latency"] * 1e3 for r in ok], "." if op == "read" else "^",
                    color=PLAYER_COLORS[player], markersize=3 if op == "read" else 4, linestyle="none",
                    label=f"{player} ({NETWORK[player]}) {op}", gid=f"{d}/{player}/{op}")
            failed = [r for r in calls if r["outcome"] != "OK"]
            if failed:
                ax.plot([r["start"] for r in failed], [r["latency"] * 1e3 for r in failed], "x", color="k",
                        markersize=5, linestyle="none", label=f"failed (timeout {failed[0]['latency']:g} s)",
                        gid=f"{d}/{player}/{op}/failed")
        ax.axvspan(*PARTITION, color="red", alpha=0.1, label="phone1 | phone2 partition")
        figures.latency_axis(ax, top, zero_off_spine=True)
        ax.set_title(f"board: {d} (seed {seed}, partition {PARTITION[0]:g}-{PARTITION[1]:g} s)", fontsize=9)
        ax.set_ylabel("latency (ms)", fontsize=8)
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles))  # one "failed" entry per panel
        ax.legend(unique.values(), unique.keys(), fontsize=6, loc="center left", bbox_to_anchor=(1.0, 0.5))
    axes[-1][0].set_xlabel("time (s): each call at its start")
    fig.suptitle("Multiplayer game under a phone1 | phone2 partition "
                 f"(latency: linear to {figures.LINEAR_BELOW_MS:g} ms, then log)", fontsize=10)
    figures.cite(fig, path, __file__)
    fig.tight_layout(rect=(0, 0.02, 1, 1))
    return fig


def latency_cdf_figure(out_dir):
    """Distribution of each player's read and write latencies, one curve per deployment, no
    partition, all seeds, calls started after the warm-up (records.csv): what the medians hide."""
    path = os.path.join(out_dir, "records.csv")
    records = [r for r in report.read_csv(path) if str(r["partition"]) == "False" and r["outcome"] == "OK"
               and r["start"] >= WARMUP_S]
    fig, axes = figures.new_figure(2, 2, figsize=(13, 6.5), sharey=True)
    top = figures.log_headroom(max([r["latency"] * 1e3 for r in records] + [1.0]), decades=0.2)
    for ax, (player, op) in zip(axes.flat, SERIES):
        method = "read" if op == "read" else "move"
        for d in DEPLOYMENTS:
            lat = [r["latency"] * 1e3 for r in records if r["deployment"] == d and r["client"] == player
                   and r["method"] == method]
            if not lat:
                continue
            xs, ys = figures.ecdf_points(lat, top)
            zero_share = 100 * sum(1 for v in lat if v == 0) / len(lat)
            color, style = DEPLOYMENT_STYLES[d]
            ax.plot(xs, ys, color=color, linestyle=style, drawstyle="steps-post", linewidth=1.4,
                    label=f"{d}: {zero_share:.0f}% at 0 ms (n={len(lat)})", gid=f"{d}/{player}/{op}")
        figures.latency_axis(ax, top, which="x", zero_off_spine=True)
        ax.set_ylim(0, 1.02)
        ax.set_title(f"{player} ({NETWORK[player]}) {op}s", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))  # outside: no curve hidden
    for ax in axes[1]:
        ax.set_xlabel(f"latency (ms; linear to {figures.LINEAR_BELOW_MS:g}, then log)")
    for ax in axes[:, 0]:
        ax.set_ylabel("fraction of calls <= x")
    fig.suptitle(f"Multiplayer game: latency CDF per deployment (no partition, seeds "
                 f"{', '.join(str(s) for s in sorted({r['seed'] for r in records}))}, calls after {WARMUP_S:g} s)",
                 fontsize=10)
    figures.cite(fig, path, __file__)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    return fig


# file name in out_dir -> the function drawing it from out_dir's CSVs (reproduce and the notebook)
FIGURES = {"latency_by_deployment.png": latency_by_deployment_figure,
           "partition_timeline.png": partition_timeline_figure,
           "latency_cdf.png": latency_cdf_figure}


def plot(out_dir):
    """Saves every figure of FIGURES into out_dir, drawn from the CSVs there."""
    for name, draw in FIGURES.items():
        figures.save(draw(out_dir), os.path.join(out_dir, name))
