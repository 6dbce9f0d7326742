#!/usr/bin/env python3
"""Memory of a real amino-kernel-server under N hostile connections (issue 9, "Bounded resources").

Each connection sends a 4-byte length prefix announcing a 16 MiB frame, then 1000 bytes, then
stalls. With --mode after-hello it first sends a keyless Hello (protocol 1 or 2, whichever the
binary speaks), so the prefix is read as a data frame. Prints the server's VmRSS before and after,
and how many of the connections the server still holds open.

    /usr/bin/python3 bench/hostile_connections.py --bin build/bin --connections 1000

The binary's own limits apply unless --lift-limits (new binaries only): then the connection cap and
the handshake deadline are raised so that every connection stays open and is measured. An old
binary reserves 16 MiB per connection: --as-limit-gib caps its address space (default 4 GiB) so the
measurement cannot take the machine's memory; allocations beyond it fail and close the connection.
"""
import argparse
import os
import resource
import socket
import struct
import subprocess
import sys
import time


def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


def hello(node_id, version):
    """A keyless pb::Hello (step kHello = 0 and keyed = false are proto3 defaults, so omitted)."""
    nid = node_id.encode()
    body = b"\x0a" + varint(len(nid)) + nid + b"\x10" + varint(version)
    return struct.pack(">I", len(body)) + body


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def open_sockets(pid):
    return sum(1 for fd in os.listdir(f"/proc/{pid}/fd") if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:"))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="directory holding amino-kernel-server")
    ap.add_argument("--connections", type=int, default=1000)
    ap.add_argument("--mode", choices=["header", "after-hello"], default="header")
    ap.add_argument("--lift-limits", action="store_true", help="raise --max-connections and the handshake deadline")
    ap.add_argument("--as-limit-gib", type=float, default=4.0, help="address-space cap of the server (0: none)")
    args = ap.parse_args()

    server = os.path.join(args.bin, "amino-kernel-server")
    help_text = subprocess.run([server, "--help"], capture_output=True, text=True).stdout
    new_binary = "--max-connections" in help_text
    version = 2 if new_binary else 1
    argv = [server, "--oms", "127.0.0.1:1", "--port", "0", "--log-level", "error"]
    if args.lift_limits:
        if not new_binary:
            sys.exit("--lift-limits needs a binary with --max-connections")
        argv += ["--max-connections", str(args.connections + 100), "--handshake-timeout-ms", "3600000"]

    def cap_address_space():
        if args.as_limit_gib > 0:
            limit = int(args.as_limit_gib * 2**30)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.connections + 256)), hard))
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            preexec_fn=cap_address_space)
    try:
        line = proc.stdout.readline()
        address = line.split()[1]
        host, port = address.rsplit(":", 1)
        time.sleep(0.5)
        before = rss_kib(proc.pid)
        conns = []
        refused = 0
        for i in range(args.connections):
            try:
                s = socket.create_connection((host, int(port)))
                conns.append(s)
                if args.mode == "after-hello":
                    s.sendall(hello(f"127.0.0.1:{20000 + i}", version))
                s.sendall(struct.pack(">I", 16 * 1024 * 1024) + b"x" * 1000)
            except OSError:
                refused += 1  # closed by the server already (e.g. over its connection cap)
        time.sleep(2.0)  # let the server read everything
        after = rss_kib(proc.pid)
        held = open_sockets(proc.pid)
        print(f"binary: {server} (protocol {version}), mode {args.mode}, {args.connections} connections"
              f"{', limits lifted' if args.lift_limits else ''}")
        print(f"VmRSS before: {before} KiB, after: {after} KiB, growth: {(after - before) / 1024:.1f} MiB"
              f" ({(after - before) / max(1, args.connections):.1f} KiB per connection)")
        print(f"sockets the server still holds: {held} (including its listener); "
              f"connections refused while sending: {refused}")
        for s in conns:
            s.close()
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
