#!/usr/bin/env node
'use strict';
/**
 * Registers and enrolls every identity of network-config/identities.json with the org's Fabric CA
 * (through the Node fabric-ca-client), and lays out the MSP and TLS folders the peers, the orderer,
 * the peer CLI and the ledger service use:
 *
 *   $FABRIC_HOME/orgs/<org>/msp                      the org's channel MSP (CA and TLS CA roots)
 *   $FABRIC_HOME/orgs/<org>/<nodes|users>/<name>/msp local MSP (signcerts, keystore, cacerts)
 *   $FABRIC_HOME/orgs/<org>/.../tls                  server.crt, server.key, ca.crt (tls profile)
 *   $FABRIC_HOME/identities.json                     what was enrolled, for connection.json
 *
 * CA bootstrap secrets are read from $FABRIC_HOME/ca/<org>/bootstrap.secret (written by
 * network-up.sh), or from CA_ORDERER_BOOTSTRAP_SECRET, CA_REGULATOR_… and CA_CB_… (containers).
 */
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const FabricCAServices = require('fabric-ca-client');
const { User } = require('fabric-common');
const { KJUR, KEYUTIL } = require('jsrsasign');
const { ROOT, loadNetworkEnv, fabricHome } = require('./lib/network');

const BOOTSTRAP_USER = 'ca-admin';

function write(file, content, mode = 0o644) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, content, { mode });
}

function nodeOuConfig() {
  const ou = (name) => `  ${name}OUIdentifier:\n    Certificate: cacerts/ca.pem\n    OrganizationalUnitIdentifier: ${name.toLowerCase()}\n`;
  return `NodeOUs:\n  Enable: true\n${ou('Client')}${ou('Peer')}${ou('Admin')}${ou('Orderer')}`;
}

function writeMspRoots(mspDir, caPem) {
  write(path.join(mspDir, 'cacerts', 'ca.pem'), caPem);
  write(path.join(mspDir, 'tlscacerts', 'ca.pem'), caPem);
  write(path.join(mspDir, 'config.yaml'), nodeOuConfig());
}

function newKeyPair() {
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

function csrFor(name, keyPem, hosts) {
  const prv = KEYUTIL.getKey(keyPem);
  const pub = KEYUTIL.getKey(crypto.createPublicKey(keyPem).export({ type: 'spki', format: 'pem' }).toString());
  const altNames = (hosts || []).map((h) => (/^[0-9.]+$/.test(h) ? { ip: h } : { dns: h }));
  const params = { subject: { str: `/CN=${name}` }, sbjpubkey: pub, sigalg: 'SHA256withECDSA', sbjprvkey: prv };
  if (altNames.length) params.extreq = [{ extname: 'subjectAltName', array: altNames }];
  return new KJUR.asn1.csr.CertificationRequest(params).getPEM();
}

async function enrollWithKey(ca, id, secret, profile, hosts) {
  const key = newKeyPair();
  const csr = csrFor(id, key, hosts);
  const res = await ca.enroll({ enrollmentID: id, enrollmentSecret: secret, csr, profile });
  return { key, certificate: res.certificate, rootCertificate: res.rootCertificate };
}

function attrList(attrs) {
  return Object.entries(attrs || {}).map(([name, value]) => ({ name, value: String(value), ecert: true }));
}

async function enrollOrg(org, env, home) {
  const caHome = path.join(home, 'ca', org.key);
  const caPem = fs.readFileSync(path.join(caHome, 'ca-cert.pem'), 'utf8');
  const secretEnv = `CA_${org.key.replace(/org$/, '').toUpperCase()}_BOOTSTRAP_SECRET`;
  const bootstrapSecret = process.env[secretEnv] ?? fs.readFileSync(path.join(caHome, 'bootstrap.secret'), 'utf8').trim();
  const mspId = env[org.mspEnv];
  // FABRIC_HOSTNAMES=1: the containerized topology, where each CA is reached by its host name.
  const host = process.env.FABRIC_HOSTNAMES === '1' ? env[org.caHostEnv] : '127.0.0.1';
  const url = `https://${host}:${env[org.caEnv]}`;
  const ca = new FabricCAServices(url, { trustedRoots: [caPem], verify: true }, org.caName);

  const boot = await ca.enroll({ enrollmentID: BOOTSTRAP_USER, enrollmentSecret: bootstrapSecret });
  const registrar = User.createUser(BOOTSTRAP_USER, '', mspId, boot.certificate, boot.key.toBytes());

  const orgDir = path.join(home, 'orgs', org.key);
  writeMspRoots(path.join(orgDir, 'msp'), caPem);

  const enrolled = [];
  const members = [
    ...org.nodes.map((n) => ({ ...n, tls: true, dir: n.dir })),
    ...org.users.map((u) => ({ ...u, dir: `users/${u.name}` })),
  ];
  for (const m of members) {
    const secret = crypto.randomBytes(18).toString('base64url');
    await ca.register(
      { enrollmentID: m.name, enrollmentSecret: secret, role: m.type, affiliation: '', maxEnrollments: -1, attrs: attrList(m.attrs) },
      registrar,
    );
    const base = path.join(orgDir, m.dir);
    const msp = path.join(base, 'msp');
    const signed = await enrollWithKey(ca, m.name, secret, undefined, m.hosts);
    write(path.join(msp, 'signcerts', 'cert.pem'), signed.certificate);
    write(path.join(msp, 'keystore', 'key_sk'), signed.key, 0o600);
    writeMspRoots(msp, caPem);
    if (m.tls) {
      const tls = await enrollWithKey(ca, m.name, secret, 'tls', m.hosts);
      write(path.join(base, 'tls', 'server.crt'), tls.certificate);
      write(path.join(base, 'tls', 'server.key'), tls.key, 0o600);
      write(path.join(base, 'tls', 'ca.crt'), caPem);
    }
    enrolled.push({
      org: org.name,
      mspId,
      name: m.name,
      type: m.type,
      attrs: m.attrs || {},
      mspDir: msp,
      certPath: path.join(msp, 'signcerts', 'cert.pem'),
      keyPath: path.join(msp, 'keystore', 'key_sk'),
      tlsDir: m.tls ? path.join(base, 'tls') : undefined,
    });
  }
  return { org: org.name, key: org.key, mspId, caUrl: url, caName: org.caName, caCertPath: path.join(caHome, 'ca-cert.pem'), identities: enrolled };
}

async function main() {
  const env = loadNetworkEnv();
  const home = fabricHome();
  const spec = JSON.parse(fs.readFileSync(path.join(ROOT, 'network-config', 'identities.json'), 'utf8'));
  const orgs = [];
  for (const org of spec.orgs) orgs.push(await enrollOrg(org, env, home));
  write(path.join(home, 'identities.json'), JSON.stringify({ orgs }, null, 2) + '\n');
  const count = orgs.reduce((n, o) => n + o.identities.length, 0);
  process.stdout.write(`enrolled ${count} identities in ${orgs.length} orgs\n`);
}

main().catch((err) => {
  process.stderr.write(`enroll: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
