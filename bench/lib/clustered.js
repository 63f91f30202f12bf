'use strict';
// A benchmark server on BENCH_PROCESSES processes sharing its port, as LEDGER_API_PROCESSES serves
// the ledger service (ledger-service/src/apiProcesses.ts): the primary forks them, Node's cluster
// hands each new connection to the next, and the primary prints "listening <port>" once all of
// them listen, so that no connection opened after that line waits for a process still starting.
const cluster = require('node:cluster');

/**
 * Runs `start(announce)` in this process, or in BENCH_PROCESSES forked processes when that is
 * above 1; `start` listens and calls `announce(port)`.
 */
function clustered(start) {
  const processes = Number(process.env.BENCH_PROCESSES ?? 1);
  const announce = (port) => console.log(`listening ${port}`);
  if (processes <= 1) return start(announce);
  if (cluster.isWorker) return start(() => undefined);
  let listening = 0;
  let stopping = false;
  cluster.on('listening', (_worker, address) => {
    listening += 1;
    if (listening === processes) announce(address.port);
  });
  cluster.on('exit', (_worker, code) => {
    if (!stopping) {
      console.error(`a server process exited (${code}) before the benchmark stopped it`);
      process.exit(1);
    }
  });
  process.on('SIGTERM', () => {
    stopping = true;
    let left = Object.keys(cluster.workers).length;
    cluster.on('exit', () => (left -= 1) === 0 && process.exit(0));
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
  });
  for (let i = 0; i < processes; i += 1) cluster.fork();
}

module.exports = { clustered };
