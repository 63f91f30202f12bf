'use strict';
/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp dir, start on a free loopback
 * port, stop and delete afterwards. Runs the server as the `postgres` OS user when started as root.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

function findBinDir() {
  const fromEnv = process.env.PG_BIN_DIR;
  if (fromEnv && fs.existsSync(path.join(fromEnv, 'pg_ctl'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'pg_ctl')))
    : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length > 0) return path.join(root, versions[0], 'bin');
  try {
    const found = execFileSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' }).trim();
    if (found) return path.dirname(found);
  } catch {
    // not on PATH either
  }
  return undefined;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary as the cluster's owner. */
function runAs(user, bin, args) {
  const command = user ? ['runuser', ['-u', user, '--', bin, ...args]] : [bin, args];
  return execFileSync(command[0], command[1], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Starts a cluster and resolves to { url, stop }. `url` connects as the superuser `postgres`
 * over TCP with trust authentication (loopback only).
 */
async function startPostgres() {
  const binDir = findBinDir();
  if (!binDir) throw new Error('no PostgreSQL server found: run scripts/ci/install-postgres.sh or set TEST_POSTGRES_URL');
  const user = process.getuid && process.getuid() === 0 ? 'postgres' : undefined;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'certledger-pg-'));
  const dataDir = path.join(dir, 'data');
  if (user) execFileSync('chown', [user, dir]);
  runAs(user, path.join(binDir, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync']);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    '-c max_connections=300',
  ].join(' ');
  runAs(user, path.join(binDir, 'pg_ctl'), ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-o', settings, '-w', '-t', '60', 'start']);
  // Should this process die before calling stop(), the watchdog stops the cluster.
  const { spawn } = require('node:child_process');
  const watchdogArgs = [path.join(__dirname, 'watchdog.js'), String(process.pid), dataDir, dir, path.join(binDir, 'pg_ctl')];
  if (user) watchdogArgs.push(user);
  spawn(process.execPath, watchdogArgs, { detached: true, stdio: 'ignore' }).unref();
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      runAs(user, path.join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dataDir, stop };
}

module.exports = { startPostgres, findBinDir };
