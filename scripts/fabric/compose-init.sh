#!/usr/bin/env sh
# docker-compose job (fabric-tools image, repository at /app, state volume at $FABRIC_HOME): the
# same channel and chaincode steps as network-up.sh, against the containers by host name. Each
# org's ccaas package points at that org's chaincode container; the package ids are written to
# $FABRIC_HOME/chaincode/<org>/package-id for the chaincode containers to read. Idempotent.
set -eu
. /app/network-config/network.env
F="$FABRIC_HOME"
ORGS="$F/orgs"
[ -f "$F/chaincode/committed" ] && { echo "init: already done"; exit 0; }
ORDERER_TLS="$ORGS/ordererorg/orderers/orderer0/tls"
ADMIN_TLS="$ORGS/ordererorg/users/admin/tls"

mkdir -p "$F/channel"
FABRIC_CFG_PATH="$F/config" configtxgen -profile CertLedgerChannel -channelID "$CHANNEL_NAME" \
  -outputBlock "$F/channel/$CHANNEL_NAME.block"
osnadmin channel join --channelID "$CHANNEL_NAME" --config-block "$F/channel/$CHANNEL_NAME.block" \
  -o "$ORDERER_HOST_NAME:$ORDERER_ADMIN_PORT" --ca-file "$ORDERER_TLS/ca.crt" \
  --client-cert "$ADMIN_TLS/server.crt" --client-key "$ADMIN_TLS/server.key" || true

as_admin() { # ORGKEY MSPID HOST PORT -- peer args
  org=$1 msp=$2 host=$3 port=$4; shift 4
  FABRIC_CFG_PATH=/app/network-config/peer CORE_PEER_LOCALMSPID="$msp" \
  CORE_PEER_MSPCONFIGPATH="$ORGS/$org/users/admin/msp" CORE_PEER_ADDRESS="$host:$port" \
  CORE_PEER_TLS_ENABLED=true CORE_PEER_TLS_ROOTCERT_FILE="$ORGS/$org/peers/peer0/tls/ca.crt" peer "$@"
}
regulator() { as_admin regulatororg "$REGULATOR_MSPID" "$PEER_REGULATOR_HOST_NAME" "$PEER_REGULATOR_PORT" "$@"; }
cb() { as_admin cborg "$CB_MSPID" "$PEER_CB_HOST_NAME" "$PEER_CB_PORT" "$@"; }
regulator channel join -b "$F/channel/$CHANNEL_NAME.block" || true
cb channel join -b "$F/channel/$CHANNEL_NAME.block" || true

package_for() { # ORGKEY CHAINCODE_HOST PORT
  d="$F/chaincode/$1"
  mkdir -p "$d"
  printf '{"address":"%s:%s","dial_timeout":"10s","tls_required":false}\n' "$2" "$3" >"$d/connection.json"
  printf '{"type":"ccaas","label":"%s"}\n' "$CHAINCODE_LABEL" >"$d/metadata.json"
  (cd "$d" && tar -czf code.tar.gz connection.json && tar -czf "$CHAINCODE_LABEL.tar.gz" metadata.json code.tar.gz)
  printf '%s:%s\n' "$CHAINCODE_LABEL" "$(sha256sum "$d/$CHAINCODE_LABEL.tar.gz" | cut -d' ' -f1)" >"$d/package-id"
}
package_for regulatororg "$CHAINCODE_REGULATOR_HOST_NAME" "$CHAINCODE_SERVER_REGULATOR_PORT"
package_for cborg "$CHAINCODE_CB_HOST_NAME" "$CHAINCODE_SERVER_CB_PORT"
regulator lifecycle chaincode install "$F/chaincode/regulatororg/$CHAINCODE_LABEL.tar.gz" || true
cb lifecycle chaincode install "$F/chaincode/cborg/$CHAINCODE_LABEL.tar.gz" || true

O="-o $ORDERER_HOST_NAME:$ORDERER_PORT --tls --cafile $ORDERER_TLS/ca.crt"
CC="--channelID $CHANNEL_NAME --name $CHAINCODE_NAME --version $CHAINCODE_VERSION --sequence $CHAINCODE_SEQUENCE"
# shellcheck disable=SC2086
regulator lifecycle chaincode approveformyorg $O $CC --package-id "$(cat "$F/chaincode/regulatororg/package-id")" --signature-policy "$ENDORSEMENT_POLICY"
# shellcheck disable=SC2086
cb lifecycle chaincode approveformyorg $O $CC --package-id "$(cat "$F/chaincode/cborg/package-id")" --signature-policy "$ENDORSEMENT_POLICY"
# shellcheck disable=SC2086
regulator lifecycle chaincode commit $O $CC --signature-policy "$ENDORSEMENT_POLICY" \
  --peerAddresses "$PEER_REGULATOR_HOST_NAME:$PEER_REGULATOR_PORT" --tlsRootCertFiles "$ORGS/regulatororg/peers/peer0/tls/ca.crt" \
  --peerAddresses "$PEER_CB_HOST_NAME:$PEER_CB_PORT" --tlsRootCertFiles "$ORGS/cborg/peers/peer0/tls/ca.crt"
touch "$F/chaincode/committed"
