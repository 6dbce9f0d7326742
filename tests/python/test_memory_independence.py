"""A run's trace hash must not depend on the process's memory: where it is loaded (address space
layout randomisation, left on) or what bytes fresh heap memory happens to hold. Each run here is a
fresh `python3 -m amino run` process whose malloc fills every new block with a different byte
(MALLOC_PERTURB_; glibc's per-thread cache is switched off so that no block skips the filling). A
value read from uninitialised memory then differs between the processes and shows in the trace.

This caught a stale object file built against an older runtime/kernel.h (a header edited while a
build ran: ninja compares mtimes): the inlined Kernel::next_call_id() read 8 bytes too early, two
bools and 6 bytes of padding, so remote calls carried garbage call ids whose varint length, charged
as serialization CPU per byte in model v2, moved the timings.

The scenario is code_offloading model v2 on the phone over 3G: remote invocations with device
serialization charged per byte, split up/down links, TCP and the 3G radio all on."""
import os
import re
import subprocess
import sys

import pytest

RUN = ["code_offloading", "--param", "model=v2", "--param", "mode=explicit", "--param", "network=3g",
       "--param", "calls=2"]


def trace_hash(perturb):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), MALLOC_PERTURB_=str(perturb),
               GLIBC_TUNABLES="glibc.malloc.tcache_count=0")
    ran = subprocess.run([sys.executable, "-m", "amino", "run", *RUN], capture_output=True, text=True, env=env,
                         timeout=300)
    assert ran.returncode == 0, ran.stderr[-2000:]
    found = re.search(r"^trace hash: ([0-9a-f]{16})$", ran.stdout, re.MULTILINE)
    assert found, ran.stdout[-2000:]
    return found.group(1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="MALLOC_PERTURB_ is glibc's")
def test_v2_offloading_trace_hash_is_the_same_whatever_fresh_memory_holds():
    hashes = {perturb: trace_hash(perturb) for perturb in (0, 85, 170)}
    assert len(set(hashes.values())) == 1, hashes
