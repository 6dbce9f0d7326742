"""Writes one notebook per experiment (nbformat). Run: /usr/bin/python3 notebooks/make_notebooks.py

The notebooks only READ results/ (made by `python3 -m amino reproduce --out results`), redraw the
figures with the scenario modules' own figure functions (FIGURES in scenarios/<name>/scenario.py: the
ones reproduce() saved the PNG files with) and explain them; ctest executes them headless
(tests/python/CMakeLists.txt).
"""
import os

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = os.path.dirname(os.path.abspath(__file__))

SETUP = """\
import os, sys
REPO = os.path.abspath('..')
sys.path.insert(0, os.path.join(REPO, 'pybind'))
%matplotlib inline
from IPython.display import display
from amino import catalog, report   # CSV helpers and the scenarios' figure functions: no simulation runs here
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
game = catalog.load('multiplayer_game')   # scenarios/multiplayer_game/scenario.py: its FIGURES draw results/
table = report.read_csv(os.path.join(OUT, 'latency_table.csv'))
no_partition = [r for r in table if str(r['partition']) == 'False']
print(report.markdown(no_partition, ['deployment', 'player', 'op', 'median_ms', 'mean_ms', 'p95_ms', 'calls']))
"""),
    new_markdown_cell("""## Reading the figures

Every figure below is drawn by the same function that `reproduce()` used for the PNG files in
`results/multiplayer_game/` (`FIGURES` in the scenario module), and names its data file in a footer.
A call answered on the caller's own phone takes **exactly 0 ms** of simulated time: a zero is drawn
(a diamond on the baseline and the label "0" for a bar; on latency axes the tick "0"), never
clamped to a small positive number. Latency axes that span decades are *symlog*: linear from 0 to
10 ms (where only exact zeros occur here), logarithmic above."""),
    new_code_cell("""display(game.latency_by_deployment_figure(OUT))"""),
    new_markdown_cell("""The bars show the paper's shape: in the cloud both players wait one round trip of their own
network; with the board on phone 1, player 1's reads and writes are local (0) while player 2's grow
to the phone-to-phone round trip; replicated on both phones, both players' reads are local and every
write pays for updating both copies (the Raft leader, on phone 2 in these runs, keeps one
AppendEntries in flight per follower, so a new entry often waits for the round in flight, then needs
its own phone-to-phone round: ≈ 600 ms with the hops to the cloud). Cached, reads are local and
writes keep the round trip to the server (the copy is refreshed after `refreshMs`, which is why the
*mean* read of player 2 is not zero: see the table).

## What the medians hide: latency distributions

One curve per deployment: the fraction of calls (all 3 seeds, no partition, after the 2 s warm-up)
answered within x ms; the legend gives the share answered in 0 ms. A median of 0 can hide a long
tail: cached reads are 0 until the copy is older than `refreshMs`, then one round trip (the step at
20 ms for player 1, 200 ms for player 2); under `dynamic` player 1's reads are local only while the
board is on its phone, one WiFi round trip while it is in the cloud, longer during a migration;
replicated writes take one or two phone-to-phone Raft rounds (≈ 420 or ≈ 626 ms)."""),
    new_code_cell("""display(game.latency_cdf_figure(OUT))"""),
    new_markdown_cell("""## Partition between the phones (10 s – 20 s)

Every call of seed 1, one panel per deployment (`partition=true` runs). Only deployments whose
traffic crosses phone 1 ↔ phone 2 notice: with the board on phone 1, player 2's calls fail;
replicated on both phones, reads stay local and available while writes cannot commit (no quorum of
the two replicas) until the heal; under `dynamic` player 2's reads fail while the board is on phone
1. Each call is drawn at its start; failed calls (black ×) at the latency they gave up after, the 2 s
timeout."""),
    new_code_cell("""display(game.partition_timeline_figure(OUT))
records = report.read_csv(os.path.join(OUT, 'records.csv'))
failed = [r for r in records if str(r['partition']) == 'True' and r['outcome'] != 'OK']
print({d: sum(1 for r in failed if r['deployment'] == d) for d in game.DEPLOYMENTS}, 'failed calls under partition (3 seeds)')
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
offloading = catalog.load('code_offloading')   # scenarios/code_offloading/scenario.py: its FIGURES draw results/
rows = report.read_csv(os.path.join(OUT, 'offloading_table.csv'))
print(report.markdown(rows))
"""),
    new_markdown_cell("""The figure is drawn by the function `reproduce()` used for `results/code_offloading/offloading.png`.
The latency axis is *symlog*: linear from 0 to 10 ms, logarithmic above, so every bar starts at 0
(on a plain log axis bars have no bottom, and the tablet's 16–17 ms offloaded times fell below the
axis' floor). Each bar carries its value; black ticks are the paper's Base (local) times, red ticks
the calibration's predicted offloaded times."""),
    new_code_cell("""display(offloading.offloading_figure(OUT))"""),
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
