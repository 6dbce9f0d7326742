#!/usr/bin/env bash
# Hello world on real sockets: an OMS and two kernel servers as separate processes on loopback;
# amino-ctl creates a VisitCounter on one server and a HelloWorld on the other and calls it, so each
# call crosses both servers. Everything is stopped on exit.
set -euo pipefail
BIN="${AMINO_BIN_DIR:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}"  # AMINO_BIN_DIR: another build's programs
LOGS="$(mktemp -d)"
PIDS=()
cleanup() { kill "${PIDS[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT

# An ephemeral OMS port, so a second run or another program on 7400 does not collide.
OMS_PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN/amino-oms" --port "$OMS_PORT" >"$LOGS/oms.log" 2>&1 & PIDS+=($!)
for i in 1 2; do
  "$BIN/amino-kernel-server" --oms "127.0.0.1:$OMS_PORT" --region "region-$i" --label "name=ks$i" \
    >"$LOGS/ks$i.log" 2>&1 & PIDS+=($!)
done
# Wait (bounded) until both kernel servers have registered.
for _ in $(seq 50); do
  [ "$("$BIN/amino-ctl" --oms "127.0.0.1:$OMS_PORT" nodes 2>/dev/null | wc -l)" -ge 2 ] && break
  sleep 0.1
done
"$BIN/amino-ctl" --oms "127.0.0.1:$OMS_PORT" nodes
"$BIN/amino-ctl" --oms "127.0.0.1:$OMS_PORT" hello
echo "--- what the OMS saw"
"$BIN/amino-ctl" --oms "127.0.0.1:$OMS_PORT" events
