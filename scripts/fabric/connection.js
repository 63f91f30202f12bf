#!/usr/bin/env node
'use strict';
/**
 * Writes $FABRIC_HOME/connection.json: what a client needs to reach the network (peer endpoints
 * with their TLS CA certificates, MSP ids, channel, chaincode) and, per identity, where its
 * certificate and key are. The ledger service's fabric backend reads this file (FABRIC_CONNECTION).
 */
const fs = require('node:fs');
const path = require('node:path');
const { loadNetworkEnv, fabricHome } = require('./lib/network');

function buildConnection(env, home, enrolled) {
  // FABRIC_HOSTNAMES=1: the containerized topology (docker-compose.yml), peers by host name.
  const named = process.env.FABRIC_HOSTNAMES === '1';
  const host = (name) => (named ? env[name] : '127.0.0.1');
  const alias = named ? {} : { hostAlias: 'localhost' };
  const orgByKey = Object.fromEntries(enrolled.orgs.map((o) => [o.key, o]));
  const tlsCa = (key) => path.join(home, 'orgs', key, 'msp', 'tlscacerts', 'ca.pem');
  const peers = {
    [env.REGULATOR_MSPID]: { endpoint: `${host('PEER_REGULATOR_HOST_NAME')}:${env.PEER_REGULATOR_PORT}`, ...alias, tlsCACertPath: tlsCa('regulatororg') },
    [env.CB_MSPID]: { endpoint: `${host('PEER_CB_HOST_NAME')}:${env.PEER_CB_PORT}`, ...alias, tlsCACertPath: tlsCa('cborg') },
  };
  const identities = [];
  for (const key of ['regulatororg', 'cborg']) {
    for (const id of orgByKey[key].identities) {
      if (id.type !== 'client' && id.type !== 'admin') continue;
      identities.push({
        name: id.name,
        mspId: id.mspId,
        role: id.attrs.role,
        ...(id.attrs.agencyId ? { agencyId: id.attrs.agencyId } : {}),
        ...(id.attrs.regionCode ? { regionCode: id.attrs.regionCode } : {}),
        certPath: id.certPath,
        keyPath: id.keyPath,
      });
    }
  }
  return {
    name: 'certledger',
    channel: env.CHANNEL_NAME,
    chaincode: env.CHAINCODE_NAME,
    orderer: { endpoint: `${host('ORDERER_HOST_NAME')}:${env.ORDERER_PORT}`, tlsCACertPath: tlsCa('ordererorg'), mspId: env.ORDERER_MSPID },
    peers,
    cas: Object.fromEntries(enrolled.orgs.map((o) => [o.mspId, { url: o.caUrl, caName: o.caName, tlsCACertPath: o.caCertPath }])),
    identities,
  };
}

function main() {
  const home = fabricHome();
  const env = loadNetworkEnv();
  const enrolled = JSON.parse(fs.readFileSync(path.join(home, 'identities.json'), 'utf8'));
  const out = path.join(home, 'connection.json');
  fs.writeFileSync(out, JSON.stringify(buildConnection(env, home, enrolled), null, 2) + '\n');
  process.stdout.write(`wrote ${out}\n`);
}

if (require.main === module) main();
module.exports = { buildConnection };
