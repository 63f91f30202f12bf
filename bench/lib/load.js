'use strict';
// A small keep-alive HTTP load generator and the statistics the benchmarks report.
const http = require('node:http');
const { spawn } = require('node:child_process');
const fs = require('node:fs');

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summarize(latenciesMs, seconds, count) {
  const sorted = Float64Array.from(latenciesMs).sort();
  return { perSecond: count / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), count, seconds };
}

function request(agent, port, method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const payload =
      body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request(
      {
        agent,
        host: '127.0.0.1',
        port,
        method,
        path,
        headers: {
          ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
          ...headers,
        },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** Runs `jobs` (async functions taking a worker index) on `concurrency` workers; returns latencies in ms. */
async function runJobs(jobs, concurrency) {
  let next = 0;
  const latencies = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      while (next < jobs.length) {
        const job = jobs[next++];
        await job(worker, (ms) => latencies.push(ms));
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { latencies, seconds };
}

async function timed(fn) {
  const t0 = process.hrtime.bigint();
  const result = await fn();
  return { result, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

/**
 * Starts a Node process that prints `listening <port>` (or logs its port and `listening`) and
 * resolves with it; `listeningLine` may name another line to wait for, its first group the port.
 */
function startServer(script, env = {}, args = [], listeningLine = undefined) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (chunk) => {
      out += chunk.toString();
      const match = listeningLine
        ? listeningLine.exec(out)
        : /listening (\d+)/.exec(out) || /"port":(\d+)[^\n]*listening/.exec(out);
      if (match) {
        child.stdout.off('data', onData);
        child.stdout.resume(); // keep draining, or a full pipe would block the server's logging
        resolve({ child, port: Number(match[1]) });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => (out += c.toString()));
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out.slice(-2000)}`)));
  });
}

function stopServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Peak resident memory of a process (VmHWM), in MiB. */
function peakRssMiB(pid) {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmHWM:\s+(\d+)/.exec(status)[1]);
    return kb / 1024;
  } catch {
    return NaN;
  }
}

/** A process's /proc/<pid>/stat fields after its name (field 3 on), or undefined when it is gone. */
function statOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** A process and its child processes (a server on several processes: bench/lib/clustered.js). */
function processTree(pid) {
  const children = fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && Number(statOf(entry)?.[1]) === pid)
    .map(Number);
  return [pid, ...children];
}

/** CPU time (user + system) a process and its child processes have used so far, in ms (clock ticks of 10 ms). */
function cpuMs(pid) {
  return processTree(pid).reduce((sum, each) => {
    const fields = statOf(each);
    return fields ? sum + (Number(fields[11]) + Number(fields[12])) * 10 : sum;
  }, 0);
}

/** Bytes a process and its child processes have caused to be read from storage so far (page-cache misses), from /proc/<pid>/io. */
function storageReadBytes(pid) {
  try {
    return processTree(pid).reduce(
      (sum, each) => sum + Number(/read_bytes:\s+(\d+)/.exec(fs.readFileSync(`/proc/${each}/io`, 'utf8'))[1]),
      0,
    );
  } catch {
    return NaN;
  }
}

const fmt = (n, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : 'n/a';

module.exports = {
  cpuMs,
  storageReadBytes,
  percentile,
  summarize,
  request,
  runJobs,
  timed,
  startServer,
  stopServer,
  peakRssMiB,
  fmt,
  newAgent: (n) => new http.Agent({ keepAlive: true, maxSockets: n }),
};
