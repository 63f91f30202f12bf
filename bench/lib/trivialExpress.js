'use strict';
// Baseline: the smallest Express 5 JSON POST/GET handler, the framework's own ceiling on this machine.
// BENCH_TRIVIAL_SERVER=service serves it the way the ledger service serves its app (createHttpServer:
// requests born with Express's prototypes); otherwise app.listen serves it, as Express's guide does.
const path = require('node:path');
const express = require('express');
const { clustered } = require('./clustered');
const { gcProbe } = require('./gcProbe');
const app = express();
gcProbe(app);
app.post('/echo', express.json(), (req, res) => {
  res.status(201).json({ ok: true, n: Object.keys(req.body ?? {}).length });
});
app.get('/item/:id', (req, res) => {
  res.json({ id: req.params.id, status: 'valid' });
});
// BENCH_PROCESSES above 1: on that many processes sharing the port (clustered.js).
clustered((announce) => {
  const listening = () => announce(server.address().port);
  const server =
    process.env.BENCH_TRIVIAL_SERVER === 'service'
      ? require(path.resolve(__dirname, '../../ledger-service/dist/http/server.js'))
          .createHttpServer(app)
          .listen(0, '127.0.0.1', listening)
      : app.listen(0, '127.0.0.1', listening);
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
});
