#!/usr/bin/env sh
# Stops every process network-up.sh started (by the process-group ids it recorded) and wipes the
# network state in .fabric/. Leaves the tools cache (.fabric-tools/) alone. Fails if anything it
# started is still running afterwards.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/lib/common.sh"

# A recorded group counts only while its processes are still ours (a stale id may have been reused).
ours() { pgrep -a -g "$1" 2>/dev/null | grep -q -e "$FABRIC_BIN/" -e "fabric-chaincode-node"; }
groups=""
if [ -d "$PIDS" ]; then
  for f in "$PIDS"/*.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    [ -n "$pid" ] && ours "$pid" && groups="$groups $pid"
  done
fi

running() { for g in $groups; do pgrep -g "$g" >/dev/null 2>&1 && return 0; done; return 1; }

# Every process was started as the leader of its own group; the group may outlive its leader
# (npx starts node as a child), so signal whole groups.
for g in $groups; do kill -TERM "-$g" 2>/dev/null || true; done
i=0
while running && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if running; then
  for g in $groups; do kill -KILL "-$g" 2>/dev/null || true; done
  sleep 0.5
fi
if running; then
  echo "network-down: some processes are still running (groups:$groups)" >&2
  exit 1
fi
rm -rf "$FABRIC_HOME"
log "down (state wiped: $FABRIC_HOME)"
