'use strict';
/** Reads network-config/network.env (the one place for names and ports) into a frozen object. */
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..', '..');
const NETWORK_ENV = path.join(ROOT, 'network-config', 'network.env');

function parseEnvFile(text) {
  const out = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    out[line.slice(0, eq).trim()] = value;
  }
  return out;
}

function loadNetworkEnv(file = NETWORK_ENV) {
  return Object.freeze(parseEnvFile(fs.readFileSync(file, 'utf8')));
}

function fabricHome() {
  return process.env.FABRIC_HOME ? path.resolve(process.env.FABRIC_HOME) : path.join(ROOT, '.fabric');
}

module.exports = { ROOT, NETWORK_ENV, parseEnvFile, loadNetworkEnv, fabricHome };
