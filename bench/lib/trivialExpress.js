'use strict';
// Baseline: the smallest Express 5 JSON POST/GET handler, the framework's own ceiling on this machine.
const express = require('express');
const { gcProbe } = require('./gcProbe');
const app = express();
gcProbe(app);
app.post('/echo', express.json(), (req, res) => {
  res.status(201).json({ ok: true, n: Object.keys(req.body ?? {}).length });
});
app.get('/item/:id', (req, res) => {
  res.json({ id: req.params.id, status: 'valid' });
});
const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
