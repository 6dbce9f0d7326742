#!/usr/bin/python3
"""Hunts the planted bugs of docs/mutants.md in a build configured with -DAMINO_MUTANTS=ON and prints
one row per mutant: the harness that hunted it, the seeds it ran, and the first failing seed
(seeds-to-catch) or "not caught". Run it through scripts/mutants.sh, which builds ./build-mutants.

Harnesses:
  hunt   `python3 -m amino hunt replicated_register --param model=any --param timing=random --no-shrink`
         over the seeds (each seed draws its model, register, kv, counter or bank, and ConsensusRSM's
         timing): five replicas, four clients on two client hosts, a generated nemesis (with faults
         triggered by protocol events), every history checked for linearizability under its model
         and every run for Raft's invariants over its probes
  sim    (--sim) the SimGrid nemesis of tests/dms/consensus/sim_nemesis_test.cc
         (consensus_sim_tests), one seed per run (AMINO_SIM_SEED_BASE=<seed> AMINO_SIM_SEEDS=1):
         three replicas and a spare, three clients on one host, the history and invariants checked likewise;
         stops at the first failing seed unless --all-seeds
  tests  the caching DMs' own tests (dm_library_tests): these DMs promise no linearizability, so
         the guarantees their descriptors state are what is checked
  txn    the transaction DMs' mutants: `python3 -m amino hunt transactions --param dm=<DM> --no-shrink`
         (scenarios/transactions: three clients' list-append transactions under partitions, message
         loss and pauses), every history checked by the transactional checker at serializable;
         --sim: the SimGrid sweep of tests/dms/sim/transactions_sim_test.cc (dm_sim_tests), one seed per run
The control row `none` runs the unmodified code through the same harness (and the caching DMs'
tests) and must pass.

Exit status: 0 when every mutant was caught and the control passed, 1 otherwise, 2 on a setup error.
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIM_TESTS = "tests/dms/consensus/consensus_sim_tests"
ONE_SEED = "Shards/ConsensusSimNemesis.HistoriesAreLinearizableAndInvariantsHoldUnderTheFullNemesis/0"
LIBRARY_TESTS = "tests/dms/library/dm_library_tests"
# Mutants planted in these files are hunted by the DM's own tests (a gtest filter).
# The hunt's default: every model (non-idempotent kv appends and counter adds show double applies)
# and randomized Raft timing (wide election windows expose stale reads of a deposed leader).
DEFAULT_HUNT_PARAMS = ["model=any", "timing=random"]
CACHING_TESTS = {"dms/lease_caching.cc": "LeaseCaching.*", "dms/write_through_caching.cc": "WriteThroughCaching.*"}
# Mutants planted in these files are hunted by the transactions hunt under this DM, or with --sim by
# that DM's SimGrid sweep (dm_sim_tests, a gtest filter).
TXN_DMS = {"dms/optimistic_transactions.cc": ("OptimisticTransactions",
                                              "TransactionsSim.OptimisticTransactionsUnderClientCrashesPausesLossAndPartitions"),
           "dms/support_transactions.cc": ("LockingTransactions",
                                           "TransactionsSim.LockingTransactionsUnderClientCrashesPausesLossAndPartitions")}
DM_SIM_TESTS = "tests/dms/sim/dm_sim_tests"


class SetupError(Exception):
    pass


def run(cmd, env, timeout=900):
    try:
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(cmd, -1, "", f"timed out after {timeout} s")


def mutant_env(mutant, **extra):
    env = dict(os.environ, **extra)
    env["AMINO_MUTANT"] = mutant  # "none": the unmodified code, in the same binary
    return env


def check_selection(ran, mutant):
    if ran.returncode == 2 and "AMINO_MUTANT:" in ran.stderr:
        raise SetupError(f"{mutant}: {ran.stderr.strip()}")


def listed_mutants(build):
    """[(name, file)] of the mutants the build can run (the test main's --list-mutants)."""
    # Any test binary with the mutant-selecting main lists them; dm_library_tests is built by mutants.sh.
    binary = next((b for b in (LIBRARY_TESTS, DM_SIM_TESTS) if os.path.isfile(os.path.join(build, b))), LIBRARY_TESTS)
    ran = run([os.path.join(build, binary), "--list-mutants"], dict(os.environ, AMINO_MUTANT=""))
    rows = [line.split() for line in ran.stdout.splitlines() if line.strip()]
    if ran.returncode != 0 or not rows:
        raise SetupError(f"{build} has no mutants: configure it with -DAMINO_MUTANTS=ON (scripts/mutants.sh does)")
    return [(r[0], r[1]) for r in rows]


def sim_failure(output):
    """How a failing seed of the sim nemesis failed, from its gtest output."""
    if "child failed" in output:
        return "crashed"
    if "l.linearizable" in output:
        return "not linearizable"
    m = re.search(r"^invariant (\w+) in group", output, re.M)
    if m:
        return f"invariant {m.group(1)}"
    if "clients still blocked" in output:
        return "clients blocked"
    if "no call succeeded" in output:
        return "no progress"
    return "failed"


def sim_seed(build, mutant, seed, txn_filter=None):
    """None if the seed passes, else how it failed (txn_filter: a transactions sweep of dm_sim_tests)."""
    if txn_filter:
        env = mutant_env(mutant, AMINO_SIM_SEED_BASE=str(seed), AMINO_DM_SIM_SEEDS="1")
        ran = run([os.path.join(build, DM_SIM_TESTS), f"--gtest_filter={txn_filter}"], env)
        check_selection(ran, mutant)
        return None if ran.returncode == 0 else txn_failure(ran.stdout + ran.stderr)
    env = mutant_env(mutant, AMINO_SIM_SEED_BASE=str(seed), AMINO_SIM_SEEDS="1")
    ran = run([os.path.join(build, SIM_TESTS), f"--gtest_filter={ONE_SEED}"], env)
    check_selection(ran, mutant)
    return None if ran.returncode == 0 else sim_failure(ran.stdout + ran.stderr)


def txn_failure(text):
    """How a failing transactions seed failed: the anomalies the checker named, or the first problem."""
    m = re.search(r"forbidden at [\w-]+:([^\n]+)", text)
    if "child failed" in text:
        return "crashed"
    if m:
        return m.group(1).strip()[:80]
    m = re.search(r"^(serializable|strict-serializable|lost commit|txn \d+)[^\n]*", text, re.M)
    return m.group(0)[:80] if m else "failed"


def hunt_sim(build, mutant, seeds, jobs, all_seeds, txn_filter=None):
    """Runs seeds in order, `jobs` at a time; stops launching at the first failure unless all_seeds.
    Returns (seeds run, {seed: how} of the failures)."""
    failures, done = {}, 0
    pending = iter(seeds)
    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        running = {}
        while True:
            while len(running) < jobs and (all_seeds or not failures):
                seed = next(pending, None)
                if seed is None:
                    break
                running[pool.submit(sim_seed, build, mutant, seed, txn_filter)] = seed
            if not running:
                break
            finished, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for f in finished:
                seed = running.pop(f)
                done += 1
                how = f.result()
                if how:
                    failures[seed] = how
    return done, failures


def _hunt_failure(text):
    """How a failing seed of the hunt failed, from its line (SeedVerdict.describe)."""
    if "not linearizable" in text:
        return "not linearizable"
    if "transactions): invalid" in text:
        return "transactions invalid"
    m = re.search(r"invariant violation\(s\): (\w+)", text)
    return f"invariant {m.group(1)}" if m else text[:60]


def hunt_python(build, mutant, seeds, jobs, check, params, scenario="replicated_register"):
    """`python3 -m amino hunt <scenario> [--check <check>] [--param k=v ...]` over the seeds."""
    env = mutant_env(mutant, PYTHONPATH=f"{os.path.join(build, 'pybind')}:{os.path.join(REPO, 'pybind')}")
    cmd = ["/usr/bin/python3", "-m", "amino", "hunt", scenario, *(["--check", check] if check else []),
           "--seeds", str(len(seeds)), "--seed-base", str(seeds[0]), "--jobs", str(jobs), "--no-shrink"]
    for p in params:
        cmd += ["--param", p]
    ran = run(cmd, env, timeout=24 * 3600)
    if "ImportError" in ran.stderr:
        raise SetupError(f"{mutant}: {ran.stderr.strip().splitlines()[-1]}")
    summary = re.search(r"^(\d+) seeds in .*; (\d+) failed", ran.stdout, re.M)
    if summary is None:
        raise SetupError(f"amino hunt ({mutant}) said nothing this script understands:\n{ran.stdout}{ran.stderr}")
    failures = {int(m.group(1)): _hunt_failure(m.group(2)) for m in re.finditer(r"^\s+seed (\d+): (.*)$", ran.stdout, re.M)}
    return int(summary.group(1)), failures


def hunt_tests(build, mutant, gtest_filter):
    """The caching DM's tests; the names of those that fail."""
    ran = run([os.path.join(build, LIBRARY_TESTS), f"--gtest_filter={gtest_filter}"], mutant_env(mutant))
    check_selection(ran, mutant)
    failed = sorted(set(re.findall(r"^\[  FAILED  \] (\S+) \(", ran.stdout, re.M)))
    if ran.returncode != 0 and not failed:
        failed = [f"{gtest_filter} (exit {ran.returncode})"]
    return failed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mutants", nargs="*", help="mutants to hunt (default: all, after the control `none`)")
    ap.add_argument("--build", default=os.path.join(REPO, "build-mutants"), help="a build with -DAMINO_MUTANTS=ON")
    ap.add_argument("--seeds", type=int, default=100, help="seeds per mutant (default 100)")
    ap.add_argument("--seed-base", type=int, default=1, help="first seed (default 1)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="seeds run at once (default: cores)")
    ap.add_argument("--sim", action="store_true",
                    help="hunt ConsensusRSM and Raft mutants with the C++ sim nemesis (consensus_sim_tests) "
                         "instead of `python3 -m amino hunt replicated_register`")
    ap.add_argument("--check", default=None,
                    help="the hunt's --check model (default: the checks each seed's scenario declares)")
    ap.add_argument("--param", action="append", default=None, metavar="KEY=VALUE",
                    help="a parameter of replicated_register for the hunt (repeatable; default: "
                         f"{' '.join(DEFAULT_HUNT_PARAMS)}), e.g. model=kv")
    ap.add_argument("--all-seeds", action="store_true",
                    help="--sim: run every seed instead of stopping at the first failure, and count the "
                         "failures (the hunt always runs every seed)")
    args = ap.parse_args(argv)
    if args.param is None:
        args.param = list(DEFAULT_HUNT_PARAMS)
    if args.seeds < 1 or args.jobs < 1:
        ap.error("--seeds and --jobs must be positive")
    build = os.path.abspath(args.build)
    try:
        known = dict(listed_mutants(build))
        names = args.mutants or ["none"] + list(known)
        unknown = [n for n in names if n != "none" and n not in known]
        if unknown:
            raise SetupError(f"unknown mutant(s) {', '.join(unknown)}; known: {', '.join(known)}")
        seeds = list(range(args.seed_base, args.seed_base + args.seeds))
        ok = True
        print(f"{'mutant':26s} {'harness':34s} {'seeds run':>9s}  first failing seed (seeds-to-catch)")
        for name in names:
            start = time.monotonic()
            file = known.get(name, "")
            if file in CACHING_TESTS:
                failed = hunt_tests(build, name, CACHING_TESTS[file])
                harness, ran = f"tests {CACHING_TESTS[file]}", "-"
                caught = f"caught by {', '.join(failed)}" if failed else "not caught"
                failing = bool(failed)
            elif file in TXN_DMS:
                dm, sim_filter = TXN_DMS[file]
                if args.sim:
                    harness = f"sim sweep {dm} (dm_sim_tests)"
                    ran, failures = hunt_sim(build, name, seeds, args.jobs, args.all_seeds, sim_filter)
                else:
                    harness = f"amino hunt transactions dm={dm}"
                    ran, failures = hunt_python(build, name, seeds, args.jobs, None, [f"dm={dm}"], "transactions")
                failing = bool(failures)
                if failures:
                    first = min(failures)
                    caught = f"seed {first} ({first - args.seed_base + 1} seeds, {failures[first]})"
                    if args.all_seeds or not args.sim:
                        caught += f"; {len(failures)} of {ran} seeds fail"
                else:
                    caught = "not caught"
            else:
                if args.sim:
                    harness = "sim nemesis (consensus_sim_tests)"
                    ran, failures = hunt_sim(build, name, seeds, args.jobs, args.all_seeds)
                else:
                    harness = "amino hunt replicated_register" + (f" ({args.check})" if args.check else "")
                    ran, failures = hunt_python(build, name, seeds, args.jobs, args.check, args.param)
                failing = bool(failures)
                if failures:
                    first = min(failures)
                    to_catch = first - args.seed_base + 1
                    caught = f"seed {first} ({to_catch} seed{'s' if to_catch > 1 else ''}, {failures[first]})"
                    if args.all_seeds or not args.sim:
                        caught += f"; {len(failures)} of {ran} seeds fail"
                else:
                    caught = "not caught"
            if name == "none":  # the control also runs the caching DMs' tests
                broken = [t for f in CACHING_TESTS.values() for t in hunt_tests(build, name, f)]
                if broken:
                    failing, caught = True, f"{caught}; tests failing: {', '.join(broken)}"
                caught = ("FAILED: " + caught) if failing else "passes (control, and the caching DMs' tests)"
            ok = ok and (failing if name != "none" else not failing)
            print(f"{name:26s} {harness:34s} {str(ran):>9s}  {caught}  [{time.monotonic() - start:.0f} s]",
                  flush=True)
        return 0 if ok else 1
    except SetupError as e:
        print(f"mutants: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
