#!/usr/bin/env sh
# docker-compose job (node image, repository at /app, state volume at $FABRIC_HOME): enrolls every
# identity with the three CAs by host name, renders the channel configuration for the container
# host names and writes connection.json for the ledger service. Skips when already done.
set -eu
cd /app
. network-config/network.env
export FABRIC_HOSTNAMES=1
[ -f "$FABRIC_HOME/connection.json" ] && { echo "enroll: already done"; exit 0; }
for key in ordererorg regulatororg cborg; do
  # The CA containers' home folders are mounted under $FABRIC_HOME/ca/<org>.
  i=0; until [ -f "$FABRIC_HOME/ca/$key/ca-cert.pem" ]; do i=$((i + 1)); [ $i -lt 120 ] || exit 1; sleep 1; done
done
i=0; until node scripts/fabric/enroll.js; do i=$((i + 1)); [ $i -lt 30 ] || exit 1; sleep 2; done
mkdir -p "$FABRIC_HOME/config"
ORGS_DIR="$FABRIC_HOME/orgs" ORDERER_HOST="$ORDERER_HOST_NAME" PEER_REGULATOR_HOST="$PEER_REGULATOR_HOST_NAME" \
PEER_CB_HOST="$PEER_CB_HOST_NAME" BATCH_TIMEOUT="${FABRIC_BATCH_TIMEOUT:-$BATCH_TIMEOUT}" \
BATCH_MAX_MESSAGES="${FABRIC_BATCH_MAX_MESSAGES:-$BATCH_MAX_MESSAGES}" ORDERER_ORG="$ORDERER_ORG" \
ORDERER_MSPID="$ORDERER_MSPID" REGULATOR_ORG="$REGULATOR_ORG" REGULATOR_MSPID="$REGULATOR_MSPID" CB_ORG="$CB_ORG" \
CB_MSPID="$CB_MSPID" ORDERER_PORT="$ORDERER_PORT" PEER_REGULATOR_PORT="$PEER_REGULATOR_PORT" PEER_CB_PORT="$PEER_CB_PORT" \
  node scripts/fabric/lib/render.js <network-config/configtx.yaml >"$FABRIC_HOME/config/configtx.yaml"
node scripts/fabric/connection.js
