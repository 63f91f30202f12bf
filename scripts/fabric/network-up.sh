#!/usr/bin/env sh
# Brings the whole certledger Fabric network up as plain processes on 127.0.0.1: three Fabric CAs,
# identities enrolled through the Node fabric-ca-client, one etcdraft orderer (TLS, channel
# participation), the RegulatorOrg and CBOrg peers, the channel, the chaincode as a service
# (installed, approved by both orgs, committed, each org's chaincode service running), and
# .fabric/connection.json. Names and ports: network-config/network.env.
# Idempotent: when the network is already up it says so and exits 0.
#
# Environment:
#   FABRIC_HOME                 state folder (default .fabric/)
#   FABRIC_BATCH_TIMEOUT        orderer batch timeout (default from network.env, e.g. 100ms)
#   FABRIC_BATCH_MAX_MESSAGES   orderer max messages per block
#   FABRIC_CHAINCODE_DIR        folder the chaincode services run from (default chaincode/)
#   FABRIC_PEER_GOGC            Go GC target of the peers (default PEER_GOGC in network.env)
#   FABRIC_GO_MAXPROCS          GOMAXPROCS of the peers and the orderer (default GO_MAXPROCS in network.env)
#   FABRIC_LOGGING_SPEC         peer and orderer log level (default info)
#   CERTLEDGER_LOG_HEAD_KEY_ID  the service's log-head key id, for both chaincode services: heads of
#                               any other key are refused (default: the first head's key)
#   FABRIC_KEEP_ON_FAILURE=1    keep a half-started network for inspection
set -eu
. "$(cd "$(dirname "$0")" && pwd)/lib/common.sh"

BATCH_TIMEOUT="${FABRIC_BATCH_TIMEOUT:-$BATCH_TIMEOUT}"
BATCH_MAX_MESSAGES="${FABRIC_BATCH_MAX_MESSAGES:-$BATCH_MAX_MESSAGES}"
CHAINCODE_DIR="${FABRIC_CHAINCODE_DIR:-$ROOT/chaincode}"
GO_MAXPROCS="${FABRIC_GO_MAXPROCS:-$GO_MAXPROCS}"
HOST=127.0.0.1
STARTED_AT=$(date +%s.%N)

ALL="ca-orderer ca-regulator ca-cb orderer peer-regulator peer-cb chaincode-regulator chaincode-cb"
all_alive() { for n in $ALL; do pid_alive "$PIDS/$n.pid" || return 1; done; }

if [ -f "$FABRIC_HOME/connection.json" ] && all_alive; then
  log "already up ($FABRIC_HOME/connection.json)"
  exit 0
fi
if [ -d "$FABRIC_HOME" ]; then
  log "leftover state found: taking it down first"
  "$ROOT/scripts/fabric/network-down.sh"
fi

"$ROOT/scripts/fabric/install-tools.sh"
command -v curl >/dev/null || die "curl is required"
mkdir -p "$FABRIC_HOME/config" "$FABRIC_HOME/data" "$FABRIC_HOME/channel" "$FABRIC_HOME/chaincode" "$PIDS" "$LOGS"

# A failed start leaves nothing running.
on_exit() {
  rc=$?
  if [ "$rc" -ne 0 ]; then
    log "failed (exit $rc); see logs under $LOGS"
    if [ "${FABRIC_KEEP_ON_FAILURE:-0}" != 1 ]; then
      mkdir -p "$ROOT/.fabric-failed-logs" && cp -R "$LOGS/." "$ROOT/.fabric-failed-logs/" 2>/dev/null || true
      "$ROOT/scripts/fabric/network-down.sh" >/dev/null 2>&1 || true
      log "logs kept in $ROOT/.fabric-failed-logs"
    fi
  fi
}
trap on_exit EXIT

# --- Fabric CAs -----------------------------------------------------------------------------
init_ca() { # KEY NAME: the CA's keys and its bootstrap identity (the secret stays off the long-lived command line)
  home="$FABRIC_HOME/ca/$1"
  mkdir -p "$home"
  secret=$(od -An -N18 -tx1 /dev/urandom | tr -d ' \n')
  printf '%s' "$secret" >"$home/bootstrap.secret"
  chmod 600 "$home/bootstrap.secret"
  "$FABRIC_BIN/fabric-ca-server" init -H "$home" -b "ca-admin:$secret" --ca.name "$2" --csr.cn "$2" \
    --csr.hosts "localhost,$HOST" >"$LOGS/ca-${1%org}-init.log" 2>&1
}
start_ca() { # KEY NAME PORT OPSPORT
  start_bg "ca-${1%org}" "$FABRIC_BIN/fabric-ca-server" start -H "$FABRIC_HOME/ca/$1" \
    --address "$HOST" --port "$3" --ca.name "$2" --csr.hosts "localhost,$HOST" --tls.enabled \
    --operations.listenaddress "$HOST:$4"
}
log "starting Fabric CAs"
init_ca ordererorg ca-orderer & init_ca regulatororg ca-regulator & init_ca cborg ca-cb &
wait
start_ca ordererorg ca-orderer "$CA_ORDERER_PORT" "$CA_ORDERER_OPERATIONS_PORT"
start_ca regulatororg ca-regulator "$CA_REGULATOR_PORT" "$CA_REGULATOR_OPERATIONS_PORT"
start_ca cborg ca-cb "$CA_CB_PORT" "$CA_CB_OPERATIONS_PORT"
for p in "$CA_ORDERER_OPERATIONS_PORT" "$CA_REGULATOR_OPERATIONS_PORT" "$CA_CB_OPERATIONS_PORT"; do
  wait_until "CA on ops port $p" 30 http_ok "http://$HOST:$p/healthz"
done

log "registering and enrolling identities (fabric-ca-client)"
(cd "$ROOT" && node --disable-warning=MaxListenersExceededWarning scripts/fabric/enroll.js)

# --- Channel genesis block ------------------------------------------------------------------
log "channel genesis block ($CHANNEL_NAME, batch timeout $BATCH_TIMEOUT, max $BATCH_MAX_MESSAGES messages)"
ORGS_DIR="$ORGS" ORDERER_HOST=$HOST PEER_REGULATOR_HOST=$HOST PEER_CB_HOST=$HOST \
BATCH_TIMEOUT="$BATCH_TIMEOUT" BATCH_MAX_MESSAGES="$BATCH_MAX_MESSAGES" \
ORDERER_ORG="$ORDERER_ORG" ORDERER_MSPID="$ORDERER_MSPID" REGULATOR_ORG="$REGULATOR_ORG" \
REGULATOR_MSPID="$REGULATOR_MSPID" CB_ORG="$CB_ORG" CB_MSPID="$CB_MSPID" \
ORDERER_PORT="$ORDERER_PORT" PEER_REGULATOR_PORT="$PEER_REGULATOR_PORT" PEER_CB_PORT="$PEER_CB_PORT" \
  node "$ROOT/scripts/fabric/lib/render.js" <"$ROOT/network-config/configtx.yaml" >"$FABRIC_HOME/config/configtx.yaml"
FABRIC_CFG_PATH="$FABRIC_HOME/config" "$FABRIC_BIN/configtxgen" -profile CertLedgerChannel \
  -channelID "$CHANNEL_NAME" -outputBlock "$FABRIC_HOME/channel/$CHANNEL_NAME.block" >"$LOGS/configtxgen.log" 2>&1

# --- Orderer --------------------------------------------------------------------------------
ORDERER_NODE="$ORGS/ordererorg/orderers/orderer0"
log "starting orderer"
start_bg orderer env FABRIC_CFG_PATH="$ROOT/network-config/orderer" \
ORDERER_GENERAL_LISTENADDRESS=$HOST ORDERER_GENERAL_LISTENPORT="$ORDERER_PORT" \
ORDERER_GENERAL_LOCALMSPID="$ORDERER_MSPID" ORDERER_GENERAL_LOCALMSPDIR="$ORDERER_NODE/msp" \
ORDERER_GENERAL_TLS_PRIVATEKEY="$ORDERER_NODE/tls/server.key" \
ORDERER_GENERAL_TLS_CERTIFICATE="$ORDERER_NODE/tls/server.crt" \
ORDERER_GENERAL_TLS_ROOTCAS="[$ORDERER_NODE/tls/ca.crt]" \
ORDERER_GENERAL_CLUSTER_CLIENTCERTIFICATE="$ORDERER_NODE/tls/server.crt" \
ORDERER_GENERAL_CLUSTER_CLIENTPRIVATEKEY="$ORDERER_NODE/tls/server.key" \
ORDERER_GENERAL_CLUSTER_ROOTCAS="[$ORDERER_NODE/tls/ca.crt]" \
ORDERER_FILELEDGER_LOCATION="$FABRIC_HOME/data/orderer" \
ORDERER_CONSENSUS_WALDIR="$FABRIC_HOME/data/orderer/etcdraft/wal" \
ORDERER_CONSENSUS_SNAPDIR="$FABRIC_HOME/data/orderer/etcdraft/snapshot" \
ORDERER_OPERATIONS_LISTENADDRESS="$HOST:$ORDERER_OPERATIONS_PORT" \
ORDERER_ADMIN_LISTENADDRESS="$HOST:$ORDERER_ADMIN_PORT" \
ORDERER_ADMIN_TLS_CERTIFICATE="$ORDERER_NODE/tls/server.crt" \
ORDERER_ADMIN_TLS_PRIVATEKEY="$ORDERER_NODE/tls/server.key" \
ORDERER_ADMIN_TLS_CLIENTROOTCAS="[$ORDERER_NODE/tls/ca.crt]" \
FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-info}" GOMAXPROCS="$GO_MAXPROCS" \
  "$FABRIC_BIN/orderer"
wait_until "orderer health" 30 http_ok "http://$HOST:$ORDERER_OPERATIONS_PORT/healthz"
wait_until "orderer admin endpoint" 30 port_open "$ORDERER_ADMIN_PORT"

ORDERER_ADMIN="$ORGS/ordererorg/users/admin"
log "orderer joins $CHANNEL_NAME (osnadmin)"
"$FABRIC_BIN/osnadmin" channel join --channelID "$CHANNEL_NAME" \
  --config-block "$FABRIC_HOME/channel/$CHANNEL_NAME.block" -o "$HOST:$ORDERER_ADMIN_PORT" \
  --ca-file "$ORDERER_NODE/tls/ca.crt" --client-cert "$ORDERER_ADMIN/tls/server.crt" \
  --client-key "$ORDERER_ADMIN/tls/server.key" >"$LOGS/osnadmin.log" 2>&1 || { cat "$LOGS/osnadmin.log" >&2; exit 1; }

# --- Peers ----------------------------------------------------------------------------------
# The peers' core.yaml names the external builder folder as it is in containers; natively it is
# the repository's network-config/builder.
mkdir -p "$FABRIC_HOME/config/peer"
sed "s#/opt/certledger/builder#$ROOT/network-config/builder#" "$ROOT/network-config/peer/core.yaml" \
  >"$FABRIC_HOME/config/peer/core.yaml"
PEER_CFG="$FABRIC_HOME/config/peer"

start_peer() { # NAME ORGKEY MSPID PORT CCPORT OPSPORT
  node_dir="$ORGS/$2/peers/peer0"
  start_bg "$1" env FABRIC_CFG_PATH="$PEER_CFG" CORE_PEER_ID="peer0.$2" \
  CORE_PEER_LISTENADDRESS="$HOST:$4" CORE_PEER_ADDRESS="$HOST:$4" \
  CORE_PEER_CHAINCODELISTENADDRESS="$HOST:$5" CORE_PEER_CHAINCODEADDRESS="$HOST:$5" \
  CORE_PEER_GOSSIP_BOOTSTRAP="$HOST:$4" CORE_PEER_GOSSIP_EXTERNALENDPOINT="$HOST:$4" \
  CORE_PEER_LOCALMSPID="$3" CORE_PEER_MSPCONFIGPATH="$node_dir/msp" \
  CORE_PEER_TLS_CERT_FILE="$node_dir/tls/server.crt" CORE_PEER_TLS_KEY_FILE="$node_dir/tls/server.key" \
  CORE_PEER_TLS_ROOTCERT_FILE="$node_dir/tls/ca.crt" \
  CORE_PEER_FILESYSTEMPATH="$FABRIC_HOME/data/$1" CORE_LEDGER_SNAPSHOTS_ROOTDIR="$FABRIC_HOME/data/$1/snapshots" \
  CORE_OPERATIONS_LISTENADDRESS="$HOST:$6" FABRIC_LOGGING_SPEC="${FABRIC_LOGGING_SPEC:-info}" \
  GOGC="${FABRIC_PEER_GOGC:-$PEER_GOGC}" GOMAXPROCS="$GO_MAXPROCS" \
    "$FABRIC_BIN/peer" node start
}
log "starting peers"
start_peer peer-regulator regulatororg "$REGULATOR_MSPID" "$PEER_REGULATOR_PORT" "$PEER_REGULATOR_CHAINCODE_PORT" "$PEER_REGULATOR_OPERATIONS_PORT"
start_peer peer-cb cborg "$CB_MSPID" "$PEER_CB_PORT" "$PEER_CB_CHAINCODE_PORT" "$PEER_CB_OPERATIONS_PORT"
wait_until "RegulatorOrg peer health" 30 http_ok "http://$HOST:$PEER_REGULATOR_OPERATIONS_PORT/healthz"
wait_until "CBOrg peer health" 30 http_ok "http://$HOST:$PEER_CB_OPERATIONS_PORT/healthz"
wait_until "RegulatorOrg peer endpoint" 30 port_open "$PEER_REGULATOR_PORT"
wait_until "CBOrg peer endpoint" 30 port_open "$PEER_CB_PORT"

# The peer CLI, acting as an org's admin against its own peer.
as_admin() { # ORGKEY MSPID PORT -- peer args...
  org=$1; msp=$2; port=$3; shift 3
  FABRIC_CFG_PATH="$PEER_CFG" CORE_PEER_LOCALMSPID="$msp" \
  CORE_PEER_MSPCONFIGPATH="$ORGS/$org/users/admin/msp" CORE_PEER_ADDRESS="$HOST:$port" \
  CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_ROOTCERT_FILE="$ORGS/$org/peers/peer0/tls/ca.crt" \
  FABRIC_LOGGING_SPEC=warning "$FABRIC_BIN/peer" "$@"
}
regulator() { as_admin regulatororg "$REGULATOR_MSPID" "$PEER_REGULATOR_PORT" "$@"; }
cb() { as_admin cborg "$CB_MSPID" "$PEER_CB_PORT" "$@"; }
ORDERER_ARGS="-o $HOST:$ORDERER_PORT --tls --cafile $ORDERER_NODE/tls/ca.crt"

log "peers join $CHANNEL_NAME"
regulator channel join -b "$FABRIC_HOME/channel/$CHANNEL_NAME.block" >>"$LOGS/cli.log" 2>&1
cb channel join -b "$FABRIC_HOME/channel/$CHANNEL_NAME.block" >>"$LOGS/cli.log" 2>&1

# --- Chaincode as a service -----------------------------------------------------------------
# Each org runs its own chaincode server: its package's connection.json names that server, so the
# two orgs install different packages (different package ids) of the same chaincode definition.
package_for() { # ORGKEY PORT -> prints the package id
  pkg_dir="$FABRIC_HOME/chaincode/$1"
  mkdir -p "$pkg_dir"
  printf '{"address":"%s:%s","dial_timeout":"10s","tls_required":false}\n' "$HOST" "$2" >"$pkg_dir/connection.json"
  printf '{"type":"ccaas","label":"%s"}\n' "$CHAINCODE_LABEL" >"$pkg_dir/metadata.json"
  (cd "$pkg_dir" && tar -czf code.tar.gz connection.json && tar -czf "$CHAINCODE_LABEL.tar.gz" metadata.json code.tar.gz)
  printf '%s:%s\n' "$CHAINCODE_LABEL" "$(sha256sum "$pkg_dir/$CHAINCODE_LABEL.tar.gz" | cut -d' ' -f1)" | tee "$pkg_dir/package-id"
}
log "packaging chaincode $CHAINCODE_NAME ($CHAINCODE_LABEL) for each org's chaincode service"
REGULATOR_PACKAGE_ID=$(package_for regulatororg "$CHAINCODE_SERVER_REGULATOR_PORT")
CB_PACKAGE_ID=$(package_for cborg "$CHAINCODE_SERVER_CB_PORT")

log "installing on both peers"
regulator lifecycle chaincode install "$FABRIC_HOME/chaincode/regulatororg/$CHAINCODE_LABEL.tar.gz" >>"$LOGS/cli.log" 2>&1
cb lifecycle chaincode install "$FABRIC_HOME/chaincode/cborg/$CHAINCODE_LABEL.tar.gz" >>"$LOGS/cli.log" 2>&1

if [ -z "${FABRIC_CHAINCODE_DIR:-}" ]; then
  log "building chaincode (tsc -b chaincode)"
  (cd "$ROOT" && npx tsc -b chaincode)
fi
start_chaincode() { # NAME PORT PACKAGE_ID
  (cd "$CHAINCODE_DIR" && start_bg "$1" env CORE_CHAINCODE_ID="$3" CORE_CHAINCODE_ADDRESS="$HOST:$2" \
    CERTLEDGER_AGENCY_MSP_IDS="$CB_MSPID" CERTLEDGER_REGULATOR_MSP_IDS="$REGULATOR_MSPID" \
    CERTLEDGER_LOG_HEAD_KEY_ID="${CERTLEDGER_LOG_HEAD_KEY_ID:-}" \
    CORE_CHAINCODE_LOGGING_LEVEL="${CORE_CHAINCODE_LOGGING_LEVEL:-WARNING}" \
    npx fabric-chaincode-node server --chaincode-address "$HOST:$2" --chaincode-id "$3")
}
log "starting the chaincode services"
start_chaincode chaincode-regulator "$CHAINCODE_SERVER_REGULATOR_PORT" "$REGULATOR_PACKAGE_ID"
start_chaincode chaincode-cb "$CHAINCODE_SERVER_CB_PORT" "$CB_PACKAGE_ID"
wait_until "RegulatorOrg chaincode service" 60 port_open "$CHAINCODE_SERVER_REGULATOR_PORT"
wait_until "CBOrg chaincode service" 60 port_open "$CHAINCODE_SERVER_CB_PORT"

log "approving for both orgs and committing (policy $ENDORSEMENT_POLICY)"
CC_ARGS="--channelID $CHANNEL_NAME --name $CHAINCODE_NAME --version $CHAINCODE_VERSION --sequence $CHAINCODE_SEQUENCE"
# shellcheck disable=SC2086
regulator lifecycle chaincode approveformyorg $ORDERER_ARGS $CC_ARGS --package-id "$REGULATOR_PACKAGE_ID" \
  --signature-policy "$ENDORSEMENT_POLICY" >>"$LOGS/cli.log" 2>&1
# shellcheck disable=SC2086
cb lifecycle chaincode approveformyorg $ORDERER_ARGS $CC_ARGS --package-id "$CB_PACKAGE_ID" \
  --signature-policy "$ENDORSEMENT_POLICY" >>"$LOGS/cli.log" 2>&1
# shellcheck disable=SC2086
regulator lifecycle chaincode commit $ORDERER_ARGS $CC_ARGS --signature-policy "$ENDORSEMENT_POLICY" \
  --peerAddresses "$HOST:$PEER_REGULATOR_PORT" --tlsRootCertFiles "$ORGS/regulatororg/peers/peer0/tls/ca.crt" \
  --peerAddresses "$HOST:$PEER_CB_PORT" --tlsRootCertFiles "$ORGS/cborg/peers/peer0/tls/ca.crt" >>"$LOGS/cli.log" 2>&1

# Gateways endorse across orgs through discovery: wait until each peer has seen the other.
peers_see_each_other() {
  grep -q "$HOST:$PEER_CB_PORT" "$LOGS/peer-regulator.log" && grep -q "$HOST:$PEER_REGULATOR_PORT" "$LOGS/peer-cb.log" &&
    grep -q 'went online' "$LOGS/peer-regulator.log" && grep -q 'went online' "$LOGS/peer-cb.log"
}
wait_until "gossip membership between the peers" 60 peers_see_each_other

log "chaincode answers"
for peer_cli in regulator cb; do
  "$peer_cli" chaincode query -C "$CHANNEL_NAME" -n "$CHAINCODE_NAME" \
    -c '{"Args":["GetStreamHead","{\"streamId\":\"certification-network-up-probe\"}"]}' >>"$LOGS/cli.log" 2>&1
done

(cd "$ROOT" && node scripts/fabric/connection.js)
ELAPSED=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $STARTED_AT }")
log "up in ${ELAPSED}s: $FABRIC_HOME/connection.json"
