#!/usr/bin/env sh
# Installs the pinned Fabric binaries (peer, orderer, configtxgen, osnadmin, fabric-ca-server)
# into the git-ignored .fabric-tools/bin, building them from the Go module proxy. Skips the build
# when the binaries for the pinned versions are already there (the cache).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/network-config/network.env"
TOOLS="${FABRIC_TOOLS_DIR:-$ROOT/.fabric-tools}"
BIN="$TOOLS/bin"
STAMP="$TOOLS/versions"
WANT="fabric=$FABRIC_MODULE_VERSION fabric-ca=$FABRIC_CA_MODULE_VERSION"

have_all() {
  for b in peer orderer configtxgen osnadmin fabric-ca-server; do
    [ -x "$BIN/$b" ] || return 1
  done
}

if have_all && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ]; then
  echo "fabric tools: cached ($WANT) in $BIN"
  exit 0
fi
if have_all && [ ! -f "$STAMP" ] && "$BIN/peer" version >/dev/null 2>&1 && [ "${FABRIC_TOOLS_TRUST_EXISTING:-1}" = 1 ]; then
  # Binaries built by hand from the same go.mod files before the stamp existed.
  echo "$WANT" > "$STAMP"
  echo "fabric tools: adopted existing binaries in $BIN"
  exit 0
fi

command -v go >/dev/null || { echo "install-tools: Go is required (go1.22 or newer)" >&2; exit 1; }
mkdir -p "$BIN"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

# Two separate modules: building Fabric and Fabric CA together upgrades a shared dependency
# (idemix) beyond what Fabric builds with.
cp "$ROOT/scripts/fabric/go-fabric/go.mod" "$ROOT/scripts/fabric/go-fabric/go.sum" "$work/"
mkdir "$work/ca"
cp "$ROOT/scripts/fabric/go-fabric-ca/go.mod" "$ROOT/scripts/fabric/go-fabric-ca/go.sum" "$work/ca/"

echo "fabric tools: building Fabric $FABRIC_VERSION ($FABRIC_MODULE_VERSION)"
(cd "$work" && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -o "$BIN/" \
  github.com/hyperledger/fabric/cmd/peer \
  github.com/hyperledger/fabric/cmd/orderer \
  github.com/hyperledger/fabric/cmd/configtxgen \
  github.com/hyperledger/fabric/cmd/osnadmin)

echo "fabric tools: building Fabric CA $FABRIC_CA_VERSION"
(cd "$work/ca" && GOFLAGS=-mod=mod CGO_ENABLED=1 go build -o "$BIN/" \
  github.com/hyperledger/fabric-ca/cmd/fabric-ca-server)

echo "$WANT" > "$STAMP"
echo "fabric tools: installed in $BIN"
