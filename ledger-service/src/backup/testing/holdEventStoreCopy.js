'use strict';
/**
 * For the backup tests, preloaded into `node scripts/backup.js` (`node --require`): holds the copy
 * of events.sqlite at its start for up to HOLD_MS, stepping without copying a page (SQLite's backup
 * step of 0 pages) and 5 ms apart, so that a signal sent once its first progress line is out finds
 * the backup mid-copy. It listens to no signal itself: what a signal does is the command's own.
 */
const Database = require('better-sqlite3');

const HOLD_MS = 10_000;
const backup = Database.prototype.backup;

Database.prototype.backup = function heldBackup(destination, options = {}) {
  if (!destination.endsWith('events.sqlite') || !options.progress) return backup.call(this, destination, options);
  const until = Date.now() + HOLD_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  return backup.call(this, destination, {
    ...options,
    progress(info) {
      const pages = options.progress(info);
      if (Date.now() >= until) return pages;
      Atomics.wait(pause, 0, 0, 5);
      return 0;
    },
  });
};
