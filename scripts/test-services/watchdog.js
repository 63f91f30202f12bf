'use strict';
/**
 * Stops a throwaway PostgreSQL cluster when the process that started it is gone (a jest run
 * killed before its globalTeardown). Usage: node watchdog.js OWNER_PID DATA_DIR TEMP_DIR PG_CTL [USER]
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');

const [ownerPid, dataDir, tempDir, pgCtl, user] = process.argv.slice(2);

function alive(pid) {
  try {
    process.kill(Number(pid), 0);
    return true;
  } catch {
    return false;
  }
}

const timer = setInterval(() => {
  if (!fs.existsSync(dataDir)) process.exit(0); // stopped and removed the ordinary way
  if (alive(ownerPid)) return;
  clearInterval(timer);
  const args = ['-D', dataDir, '-m', 'immediate', '-w', 'stop'];
  try {
    if (user) execFileSync('runuser', ['-u', user, '--', pgCtl, ...args], { stdio: 'ignore' });
    else execFileSync(pgCtl, args, { stdio: 'ignore' });
  } catch {
    // already stopped
  }
  fs.rmSync(tempDir, { recursive: true, force: true });
}, 1000);
