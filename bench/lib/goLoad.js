'use strict';
// The Go load generator (bench/loadgen): built once per run into the temp directory, fed a file of
// request paths, answering with its figures as JSON. Absent when the machine has no Go toolchain;
// the benchmarks then fall back to the Node client (rawClient.js) and say so. Built beside it, the
// CPU-speed probe (bench/loadgen/cpuprobe).
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile, execFileSync, spawn } = require('node:child_process');
const { promisify } = require('node:util');

const SOURCE = path.join(__dirname, '..', 'loadgen');
let built;

/** Directory of the built programs, or undefined when `go` is not on the PATH. */
function goBuilt() {
  if (built !== undefined) return built || undefined;
  const directory = path.join(os.tmpdir(), `certledger-loadgen-${process.pid}`);
  try {
    execFileSync('go', ['build', '-o', `${directory}/`, './...'], { cwd: SOURCE, stdio: ['ignore', 'ignore', 'pipe'] });
    built = directory;
    process.once('exit', () => fs.rmSync(directory, { recursive: true, force: true }));
  } catch (error) {
    if (error.code !== 'ENOENT') throw new Error(`building bench/loadgen: ${error.stderr ?? error.message}`);
    built = '';
  }
  return built || undefined;
}

/** Path of the built generator, or undefined when `go` is not on the PATH. */
function goLoadgen() {
  const directory = goBuilt();
  return directory && path.join(directory, 'loadgen');
}

/**
 * Starts the CPU-speed probe: every 50 ms, the thread CPU time of a fixed piece of integer work.
 * `workUs(fromMs, toMs)` gives the median over samples taken between two Date.now() instants (NaN
 * without any); `stop()` ends the probe. Undefined when `go` is not on the PATH.
 */
function startCpuProbe() {
  const directory = goBuilt();
  if (!directory) return undefined;
  const probe = spawn(path.join(directory, 'cpuprobe'), [], { stdio: ['pipe', 'pipe', 'inherit'] });
  const samples = [];
  let partial = '';
  probe.stdout.on('data', (chunk) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      const [atMs, us] = line.split(' ').map(Number);
      samples.push({ atMs, us });
    }
  });
  return {
    samples,
    workUs(fromMs, toMs) {
      const inside = samples.filter((s) => s.atMs >= fromMs && s.atMs <= toMs).map((s) => s.us);
      if (inside.length === 0) return NaN;
      inside.sort((a, b) => a - b);
      return inside[Math.floor(inside.length / 2)];
    },
    stop() {
      probe.stdin.end();
      return new Promise((resolve) => (probe.exitCode === null ? probe.once('exit', resolve) : resolve()));
    },
  };
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

module.exports = { goLoadgen, goLoad, startCpuProbe };
