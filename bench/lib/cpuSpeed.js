'use strict';

/**
 * This thread's CPU time (ms) for a fixed piece of integer work: on a shared VM the CPU's speed
 * varies from hour to hour, and runs of a benchmark compare only at a like probe.
 */
function cpuSpeedProbeMs(iterations = 100_000_000) {
  const before = process.cpuUsage();
  let sum = 0;
  for (let i = 0; i < iterations; i++) sum = (sum + (i % 7)) | 0;
  const used = process.cpuUsage(before);
  if (sum === -1) throw new Error('unreachable');
  return (used.user + used.system) / 1000;
}

module.exports = { cpuSpeedProbeMs };
