#!/usr/bin/env sh
# Stops every process network-up.sh started (by the ids it recorded) and wipes the network state
# in .fabric/. Leaves the tools cache (.fabric-tools/) alone.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/lib/common.sh"

stop_group() {
  pidfile=$1
  pid=$(cat "$pidfile" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  kill -TERM "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  i=0
  while kill -0 "$pid" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true; fi
  kill -TERM "-$pid" 2>/dev/null || true
  # The group may outlive its leader (npx starts node as a child).
  i=0
  while pgrep -g "$pid" >/dev/null 2>&1 && [ "$i" -lt 50 ]; do
    [ "$i" -eq 20 ] && kill -KILL "-$pid" 2>/dev/null
    sleep 0.1; i=$((i + 1))
  done
  if pgrep -g "$pid" >/dev/null 2>&1; then echo "network-down: process group $pid still running" >&2; return 1; fi
}

if [ -d "$PIDS" ]; then
  # Clients first, then peers, the orderer and the CAs.
  for name in chaincode-regulator chaincode-cb peer-cb peer-regulator orderer ca-cb ca-regulator ca-orderer; do
    [ -f "$PIDS/$name.pid" ] && stop_group "$PIDS/$name.pid"
  done
  for f in "$PIDS"/*.pid; do [ -f "$f" ] && stop_group "$f"; done
fi
rm -rf "$FABRIC_HOME"
log "down (state wiped: $FABRIC_HOME)"
