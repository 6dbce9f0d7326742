"""Writes one notebook per experiment (nbformat). Run: /usr/bin/python3 notebooks/make_notebooks.py

The notebooks only READ results/ (made by `python3 -m amino reproduce --out results`), rebuild the
figures with matplotlib and explain them; ctest executes them headless (tests/python/CMakeLists.txt).
"""
import os

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = os.path.dirname(os.path.abspath(__file__))

SETUP = """\
import os, sys
REPO = os.path.abspath('..')
sys.path.insert(0, os.path.join(REPO, 'pybind'))
import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt
from amino import report            # CSV helpers only: the notebook runs no simulation
%matplotlib inline
"""

GAME = [
    new_markdown_cell("""# Multiplayer game: where the board lives decides who waits

Sapphire OSDI'14 §4: two players on phones (player 1 on WiFi, player 2 on 3G) and a cloud server.
The game is three microservices (Board, Scores, GameLogic); **only the DM specs change** between the
deployments (`scenarios/multiplayer_game/scenario.py`):

* **cloud** — everything `KeepInCloud`: each player pays its own round trip to the server
  (WiFi ≈ 20 ms, 3G ≈ 200 ms).
* **phone** — everything `KeepInPlace` on phone 1: player 1 ≈ 0, player 2 pays the phone-to-phone
  round trip (≈ 220 ms, through the core).
* **replicated** — the Board under `ConsensusRSM-P2P` with one replica on each phone and `localReads`:
  reads are answered by the player's own replica (≈ 0), every write is committed by Raft on both
  phones before it returns, so writes cost more than in the cloud (≈ 600 ms here).
* **cached** — the Board under `WriteThroughCaching` + `KeepInCloud`: reads come from a local copy
  (≈ 0 except a refresh every `refreshMs`), writes still go to the server copy only.
* **dynamic** — the Board under `DynamicMigration`: player 1 reads 3× as often, and the board moves to
  player 1's phone after a few decision periods.

Data: `results/multiplayer_game/` from `python3 -m amino reproduce --out results` (3 seeds)."""),
    new_code_cell(SETUP + """
OUT = os.path.join(REPO, 'results', 'multiplayer_game')
table = report.read_csv(os.path.join(OUT, 'latency_table.csv'))
no_partition = [r for r in table if str(r['partition']) == 'False']
print(report.markdown(no_partition, ['deployment', 'player', 'op', 'median_ms', 'mean_ms', 'p95_ms', 'calls']))
"""),
    new_code_cell("""DEPLOYMENTS = ['cloud', 'phone', 'replicated', 'cached', 'dynamic']
series = [('player1', 'read'), ('player1', 'write'), ('player2', 'read'), ('player2', 'write')]
fig, ax = plt.subplots(figsize=(8, 4))
for k, (player, op) in enumerate(series):
    ys = [next(r['median_ms'] for r in no_partition if r['deployment'] == d and r['player'] == player and r['op'] == op)
          for d in DEPLOYMENTS]
    ax.bar([i + (k - 1.5) * 0.2 for i in range(len(DEPLOYMENTS))], ys, 0.2, label=f'{player} {op}')
ax.set_xticks(range(len(DEPLOYMENTS)), DEPLOYMENTS); ax.set_ylabel('median latency (ms)'); ax.legend(fontsize=8)
ax.set_title('Per-player median latency by deployment')
plt.show()
"""),
    new_markdown_cell("""The bars show the paper's shape: in the cloud both players wait one round trip of their own
network; with the board on phone 1, player 1's reads and writes are local while player 2's grow to
the phone-to-phone round trip; replicated on both phones, both players' reads are local and every
write pays for updating both copies (the Raft leader, on phone 2 in these runs, keeps one
AppendEntries in flight per follower, so a new entry often waits for the round in flight, then needs
its own phone-to-phone round: ≈ 600 ms with the hops to the cloud). Cached, reads are local and
writes keep the round trip to the server (the copy is refreshed after `refreshMs`, which is why the
*mean* read of player 2 is not zero: see the table).

## Partition between the phones (10 s – 20 s)

Only deployments whose traffic crosses phone 1 ↔ phone 2 notice: with the board on phone 1, player
2's calls fail; replicated on both phones, reads stay local and available while writes cannot commit
(no quorum of the two replicas) until the heal. Failed calls are drawn at their 2 s timeout."""),
    new_code_cell("""records = report.read_csv(os.path.join(OUT, 'records.csv'))
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), sharey=True)
for ax, d in zip(axes, ['cloud', 'phone']):
    for player, marker in (('player1', '.'), ('player2', 'x')):
        pts = [(r['start'], r['latency'] * 1e3) for r in records if r['deployment'] == d and str(r['partition']) == 'True'
               and r['seed'] == 1 and r['client'] == player and r['method'] == 'read']
        ax.plot([p[0] for p in pts], [max(p[1], 0.01) for p in pts], marker, markersize=4, label=player)
    ax.axvspan(10, 20, color='red', alpha=0.1)
    ax.set_yscale('log'); ax.set_title(f'board: {d}'); ax.set_xlabel('time (s)')
axes[0].set_ylabel('read latency (ms)'); axes[0].legend()
plt.show()
failed = [r for r in records if str(r['partition']) == 'True' and r['outcome'] != 'OK']
print({d: sum(1 for r in failed if r['deployment'] == d) for d in DEPLOYMENTS}, 'failed calls under partition (3 seeds)')
"""),
]

OFFLOAD = [
    new_markdown_cell("""# Code offloading: local vs offloaded

A phone and a tablet, each over WiFi and 3G, run six workloads of `OffloadService` locally
(`KeepInPlace`), offloaded by `ExplicitCodeOffloading` (every method) and by `CodeOffloading`
(per call, the faster side). Device speeds, link latencies and bandwidths come from
`scenarios/code_offloading/calibration.h` (derivation in `CALIBRATION.md`); the Python scenario
reads them from the C++ constants through `amino.offload_calibration()`.

Data: `results/code_offloading/` from `python3 -m amino reproduce --out results`."""),
    new_code_cell(SETUP + """
OUT = os.path.join(REPO, 'results', 'code_offloading')
rows = report.read_csv(os.path.join(OUT, 'offloading_table.csv'))
print(report.markdown(rows))
"""),
    new_code_cell("""fig, axes = plt.subplots(2, 2, figsize=(11, 7), sharey=True)
for ax, (dev, net) in zip(axes.flat, [(d, n) for d in ('phone', 'tablet') for n in ('wifi', '3g')]):
    sel = [r for r in rows if r['device'] == dev and r['network'] == net]
    for k, col in enumerate(('local_ms', 'explicit_ms', 'auto_ms')):
        ax.bar([x + (k - 1) * 0.27 for x in range(len(sel))], [r[col] for r in sel], 0.27, label=col[:-3])
    ax.scatter([x + 0.27 for x in range(len(sel))], [r['predicted_offloaded_ms'] for r in sel], marker='_', s=200,
               color='k', label='calibration: predicted offloaded')
    ax.set_xticks(range(len(sel)), [r['workload'] for r in sel], fontsize=8)
    ax.set_yscale('log'); ax.set_title(f'{dev} over {net}')
axes[0][0].legend(fontsize=7)
plt.show()
"""),
    new_markdown_cell("""**Reading it.** Local times match the calibration exactly (phone Base times are fitted; tablet
ones for five workloads are predictions). Offloading pays off for the slow phone on heavy workloads
(Physics, Sudoku, OCR) and for the tablet on WiFi; on 3G the tablet should keep most work local, and
`CodeOffloading` learns that per method (its column follows the smaller of the other two).

**Offloaded times vs the calibration.** The measured offloaded times match `predicted_offloaded_ms`
within the RPC framing: one round trip per offloaded call, because the cloud replica returns its new
state with the result and the device adopts it locally (`dms/code_offloading.h`). The device stays
authoritative, so an offloaded call never loses an acknowledged effect."""),
]


def write(name, cells):
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = os.path.join(HERE, f"{name}.ipynb")
    nbformat.write(nb, path)
    return path


if __name__ == "__main__":
    print(write("multiplayer_game", GAME))
    print(write("code_offloading", OFFLOAD))
