'use strict';
// The Go load generator (bench/loadgen): built once per run into the temp directory, fed a file of
// request paths, answering with its figures as JSON. Absent when the machine has no Go toolchain;
// the benchmarks then fall back to the Node client (rawClient.js) and say so.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile, execFileSync } = require('node:child_process');
const { promisify } = require('node:util');

const SOURCE = path.join(__dirname, '..', 'loadgen');
let built;

/** Path of the built generator, or undefined when `go` is not on the PATH. */
function goLoadgen() {
  if (built !== undefined) return built || undefined;
  const binary = path.join(os.tmpdir(), `certledger-loadgen-${process.pid}`);
  try {
    execFileSync('go', ['build', '-o', binary, '.'], { cwd: SOURCE, stdio: ['ignore', 'ignore', 'pipe'] });
    built = binary;
    process.once('exit', () => fs.rmSync(binary, { force: true }));
  } catch (error) {
    if (error.code !== 'ENOENT') throw new Error(`building bench/loadgen: ${error.stderr ?? error.message}`);
    built = '';
  }
  return built || undefined;
}

/**
 * Runs the generator against 127.0.0.1:port over `paths` (used in turn): an open loop at `rate`
 * per second for `seconds`, or with rate 0 a closed loop of `count` requests. Resolves with
 * { p50, p99, p999, max, lateP50, lateP99, queued, count, failures, seconds, bodyBytes, cpuUsPerRequest }
 * (latencies in ms, counted from when each request was due; lateP50/lateP99: how late the generator
 * started the requests that had a free connection; queued: how many fell due while every connection
 * waited for an answer); with `latencies`, also every
 * request's latency in ascending order (a Float32Array), to pool several rounds.
 */
async function goLoad(port, paths, { rate = 0, seconds = 0, count = 0, connections = 64, latencies = false }) {
  const binary = goLoadgen();
  if (!binary) throw new Error('no Go toolchain: the Go load generator cannot be built');
  const file = path.join(os.tmpdir(), `certledger-loadgen-${process.pid}-${Date.now()}`);
  fs.writeFileSync(`${file}.paths`, paths.join('\n'));
  try {
    const args = ['-port', port, '-paths', `${file}.paths`, '-rate', rate, '-seconds', seconds, '-count', count];
    if (latencies) args.push('-latencies', `${file}.latencies`);
    const { stdout } = await promisify(execFile)(binary, [...args, '-connections', connections].map(String));
    const result = JSON.parse(stdout);
    if (!latencies) return result;
    const bytes = fs.readFileSync(`${file}.latencies`);
    return { ...result, latencies: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4) };
  } finally {
    fs.rmSync(`${file}.paths`, { force: true });
    fs.rmSync(`${file}.latencies`, { force: true });
  }
}

module.exports = { goLoadgen, goLoad };
