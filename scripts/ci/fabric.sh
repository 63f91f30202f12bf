#!/usr/bin/env bash
# CI entry point for the Fabric network: installs the pinned Fabric tools (cached in
# .fabric-tools/) and brings the network up, idempotently (a network already up is left as is).
# Stop it with scripts/fabric/network-down.sh, which leaves nothing running.
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v gcc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v pgrep >/dev/null 2>&1 || need+=(procps)
command -v setsid >/dev/null 2>&1 || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "fabric ci: installing Debian packages: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v go >/dev/null 2>&1 || { echo "fabric ci: Go (1.22 or newer) is needed to build the Fabric tools" >&2; exit 1; }

start=$(date +%s)
bash scripts/fabric/install-tools.sh
bash scripts/fabric/network-up.sh
echo "fabric ci: network ready in $(( $(date +%s) - start ))s (FABRIC_CONNECTION=$PWD/.fabric/connection.json)"
