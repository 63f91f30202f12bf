# Shared by network-up.sh and network-down.sh (POSIX sh, sourced).
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/network-config/network.env"
FABRIC_HOME="${FABRIC_HOME:-$ROOT/.fabric}"
FABRIC_BIN="${FABRIC_TOOLS_DIR:-$ROOT/.fabric-tools}/bin"
PIDS="$FABRIC_HOME/pids"
LOGS="$FABRIC_HOME/logs"
ORGS="$FABRIC_HOME/orgs"
export FABRIC_HOME

log() { printf '%s network: %s\n' "$(date -u +%H:%M:%S)" "$*"; }
die() { printf 'network: %s\n' "$*" >&2; exit 1; }

pid_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Every process is started in its own session so that its whole process group can be stopped.
start_bg() {
  name=$1; shift
  mkdir -p "$PIDS" "$LOGS"
  setsid nohup "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

wait_until() { # DESCRIPTION SECONDS COMMAND...
  what=$1; limit=$2; shift 2
  i=0
  while ! "$@" >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -le $((limit * 10)) ] || die "timed out waiting for $what (logs in $LOGS)"
    sleep 0.1
  done
}

http_ok() { curl -sf -o /dev/null "$1"; }

port_open() {
  node -e "require('net').connect(Number(process.argv[1]),'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" "$1"
}
