'use strict';
// A benchmark server's garbage-collection pauses between two requests to GET /_bench/gc.
const { PerformanceObserver } = require('node:perf_hooks');

function gcProbe(app) {
  let pauses = [];
  new PerformanceObserver((list) => pauses.push(...list.getEntries().map((entry) => entry.duration))).observe({
    entryTypes: ['gc'],
  });
  app.get('/_bench/gc', (_req, res) => {
    res.json({ count: pauses.length, totalMs: pauses.reduce((a, b) => a + b, 0), maxMs: Math.max(0, ...pauses) });
    pauses = [];
  });
}

module.exports = { gcProbe };
