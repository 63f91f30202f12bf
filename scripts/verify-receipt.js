#!/usr/bin/env node
'use strict';
/**
 * Verifies an event's anchor receipt (GET /v1/events/{eventId}/receipt saved to a file).
 *
 *   node scripts/verify-receipt.js receipt.json                       offline: bytes → hash → audit path → root
 *   node scripts/verify-receipt.js receipt.json --data-dir ./data     and against the embedded ledger there
 *   node scripts/verify-receipt.js receipt.json --peer RegulatorOrgMSP [--connection .fabric/connection.json]
 *                                                                     and against a Fabric peer of that org
 *   RECEIPT.json may be - (standard input). --json prints the verdict as JSON.
 *
 * Exit code: 0 verified against the ledger; 3 consistent offline only (no ledger was asked, and
 * anyone can make up a receipt that is consistent with itself); 1 not verified; 2 usage or I/O
 * error (a ledger that cannot be reached included). Where the receipt says the event is anchored
 * (backend, channel, chaincode, transaction, block, time) is printed as the receipt's claim unless
 * the ledger asked confirmed every one of them. A peer that joined the channel from a snapshot
 * cannot serve the blocks before it: the receipt still verifies (exit 0) when everything else
 * checks, its block number printed as the receipt's word.
 *
 * Needs the compiled service (npx tsc -b).
 */
const fs = require('node:fs');
const path = require('node:path');

const DIST = path.resolve(__dirname, '../ledger-service/dist/anchoring');

function usage(message) {
  process.stderr.write(
    `${message}\nusage: verify-receipt.js RECEIPT.json [--data-dir DIR | --peer MSPID [--connection FILE]] [--json]\n`,
  );
  process.exit(2);
}

function parseArgs(argv) {
  const args = { json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? usage(`${arg} needs a value`);
    if (arg === '--json') args.json = true;
    else if (arg === '--data-dir') args.dataDir = value();
    else if (arg === '--peer') args.peer = value();
    else if (arg === '--connection') args.connection = value();
    else if (arg === '--help' || arg === '-h')
      usage('Verifies an anchor receipt offline and, optionally, against the ledger.');
    else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
    else if (args.file) usage('one receipt file at a time');
    else args.file = arg;
  }
  if (!args.file) usage('no receipt file given');
  if (args.dataDir && (args.peer || args.connection))
    usage('choose the embedded ledger (--data-dir) or a Fabric peer (--peer), not both');
  return args;
}

function load(modulePath) {
  try {
    return require(modulePath);
  } catch (error) {
    process.stderr.write(`cannot load ${modulePath} (run npx tsc -b first): ${error.message}\n`);
    process.exit(2);
  }
}

function openLedger(args) {
  if (args.dataDir) {
    const file = path.join(path.resolve(args.dataDir), 'ledger.sqlite');
    if (!fs.existsSync(file)) usage(`no embedded ledger at ${file}`);
    return load(path.join(DIST, 'embedded')).openEmbeddedBackend({ dataDir: path.resolve(args.dataDir) });
  }
  if (args.peer || args.connection) {
    const fabric = load(path.join(DIST, 'fabric'));
    const connectionPath = path.resolve(args.connection ?? fabric.fabricConnectionPath(process.env));
    const connection = fabric.readFabricConnection(connectionPath);
    let queryIdentity;
    if (args.peer) {
      if (!connection.peers[args.peer])
        usage(`no peer of ${args.peer} in ${connectionPath}; peers: ${Object.keys(connection.peers).join(', ')}`);
      const identity = connection.identities.find((candidate) => candidate.mspId === args.peer);
      if (!identity) usage(`no identity of ${args.peer} in ${connectionPath}`);
      queryIdentity = identity.name;
    }
    return fabric.openFabricBackend({ connection, queryIdentity });
  }
  return undefined;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  let receipt;
  try {
    receipt = JSON.parse(fs.readFileSync(args.file === '-' ? 0 : args.file, 'utf8'));
  } catch (error) {
    usage(`cannot read ${args.file}: ${error.message}`);
  }
  const { verifyReceipt } = load(path.join(DIST, 'receipts'));
  const ledger = openLedger(args);
  let verdict;
  try {
    verdict = await verifyReceipt(receipt, { ledger });
  } finally {
    await ledger?.close();
  }
  // No ledger asked: the offline checks passing says only that the receipt is consistent with itself.
  const consistentOffline = verdict.offlineOnly === true && verdict.checks.every((check) => check.ok);
  if (args.json) {
    process.stdout.write(`${JSON.stringify(verdict, null, 2)}\n`);
  } else {
    process.stdout.write(`event ${receipt.eventId}: ${receipt.status}${whereAnchored(receipt, verdict)}\n`);
    for (const check of verdict.checks)
      process.stdout.write(`  ${check.ok ? 'ok  ' : 'FAIL'} ${check.name}${check.detail ? `: ${check.detail}` : ''}\n`);
    if (verdict.offlineOnly)
      process.stdout.write('  (offline only: pass --data-dir or --peer to check the ledger too)\n');
    if (verdict.blockNotConfirmed)
      process.stdout.write(
        `  (the ledger asked cannot serve the block, so its number is the receipt's word: ${verdict.blockNotConfirmed})\n`,
      );
    if (verdict.ledgerUnavailable)
      process.stdout.write(
        `  (the ledger could not be reached, its checks were not made: ${verdict.ledgerUnavailable})\n`,
      );
    process.stdout.write(
      verdict.ok
        ? 'VERIFIED\n'
        : consistentOffline
          ? 'CONSISTENT OFFLINE (not checked against the ledger)\n'
          : 'NOT VERIFIED\n',
    );
  }
  // A ledger that could not be asked is an I/O error, not a verdict on the receipt.
  process.exitCode = verdict.ok ? 0 : consistentOffline ? 3 : verdict.ledgerUnavailable ? 2 : 1;
}

/** Where the receipt says the event is anchored: as a fact once the ledger asked confirmed it, as the receipt's claim otherwise. */
function whereAnchored(receipt, verdict) {
  if (!receipt.backend) return '';
  const at = receipt.anchoredAt ? `, at ${receipt.anchoredAt}` : '';
  const block = `block ${receipt.blockNumber}`;
  const ledger = `${receipt.backend} (${receipt.channel}/${receipt.chaincode}, tx ${receipt.transactionId}`;
  if (verdict.ok && verdict.blockNotConfirmed)
    return ` on ${ledger}${at}); ${block}, the receipt says: not confirmed by the ledger`;
  const where = `on ${ledger}, ${block}${at})`;
  return verdict.ok ? ` ${where}` : `, the receipt says ${where}: not confirmed by the ledger`;
}

main().catch((error) => {
  process.stderr.write(`verify-receipt failed: ${error.message}\n`);
  process.exitCode = 2;
});
