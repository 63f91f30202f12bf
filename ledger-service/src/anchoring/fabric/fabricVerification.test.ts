/**
 * Receipt verification through the fabric backend, with a stand-in for the gateway (no network):
 * the chaincode's queries are answered by an embedded ledger, qscc by the test.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type Gateway } from '@hyperledger/fabric-gateway';
import { openEmbeddedBackend, type EmbeddedLedgerBackend } from '../embedded';
import { verifyReceipt, type Receipt } from '../receipts';
import { CB_A, honestReceipt, issuedEnvelope } from '../testing/receipts';
import { openFabricBackend, type FabricLedgerBackend } from './index';
import { gatewayError, serializedBlock } from './testing';

jest.mock('@hyperledger/fabric-gateway', () => ({
  ...jest.requireActual('@hyperledger/fabric-gateway'),
  connect: jest.fn(),
}));

const CHANNEL = 'certledger';

describe('receipt verification through the fabric backend', () => {
  let dir: string;
  let embedded: EmbeddedLedgerBackend;
  let backend: FabricLedgerBackend;
  /** The chaincode queries the backend evaluated, in order. */
  let evaluated: string[];
  /** What qscc GetBlockByTxID answers, and the transactions it was asked about. */
  let blockOf: (transactionId: string) => Promise<Uint8Array>;
  let blocksAsked: string[];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-verification-'));
    embedded = openEmbeddedBackend({ dataDir: dir });
    evaluated = [];
    blocksAsked = [];
    const queries: Record<string, (argument: never) => Promise<unknown>> = {
      GetBatch: ({ batchId }: { batchId: string }) => embedded.getBatch(batchId),
      GetEvent: (ref: { streamId: string; version: number }) => embedded.getEvent(ref),
    };
    const contract = {
      evaluate: async (name: string, { arguments: [argument] }: { arguments: [string] }) => {
        evaluated.push(name);
        return Buffer.from(JSON.stringify((await queries[name]!(JSON.parse(argument) as never)) ?? null));
      },
    };
    const qscc = {
      evaluateTransaction: (name: string, channel: string, transactionId: string) => {
        expect([name, channel]).toEqual(['GetBlockByTxID', CHANNEL]);
        blocksAsked.push(transactionId);
        return blockOf(transactionId);
      },
    };
    jest.mocked(connect).mockReturnValue({
      getNetwork: () => ({ getContract: (name: string) => (name === 'qscc' ? qscc : contract) }),
      close: () => undefined,
    } as unknown as Gateway);
    const keyPath = path.join(dir, 'key.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    fs.writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const stub = path.join(dir, 'stub.pem');
    fs.writeFileSync(stub, 'read, never used by the stand-in gateway');
    backend = openFabricBackend({
      connection: {
        channel: CHANNEL,
        chaincode: 'certledger',
        peers: { RegulatorOrgMSP: { mspId: 'RegulatorOrgMSP', endpoint: '127.0.0.1:1', tlsCACertPath: stub } },
        identities: [{ name: 'r', mspId: 'RegulatorOrgMSP', role: 'regulator', certPath: stub, keyPath }],
      },
    });
  });
  afterEach(async () => {
    await backend.close();
    await embedded.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A receipt of an event the embedded ledger anchored, as if anchored on this channel in block 42. */
  async function fabricReceipt(): Promise<Receipt> {
    const receipt = await honestReceipt(embedded, issuedEnvelope({ agencyId: CB_A }));
    return { ...receipt, backend: 'fabric', channel: CHANNEL, chaincode: 'certledger', blockNumber: 42 };
  }

  it("asks the peer for the block of the batch's transaction once, and reads the batch once per verification", async () => {
    const receipt = await fabricReceipt();
    blockOf = async () => serializedBlock(42);
    const first = await verifyReceipt(receipt, { ledger: backend });
    expect(first.checks.filter((check) => !check.ok)).toEqual([]);
    expect(first.ok).toBe(true);
    const second = await verifyReceipt(receipt, { ledger: backend });
    expect(second).toEqual(first);
    expect(blocksAsked).toEqual([receipt.transactionId]);
    expect(evaluated.filter((name) => name === 'GetBatch')).toEqual(['GetBatch', 'GetBatch']);
  });

  it("verifies a receipt whose block a peer joined from a snapshot cannot serve, saying the block is the receipt's word", async () => {
    const receipt = await fabricReceipt();
    blockOf = async (transactionId) => {
      const detail = `chaincode response 500, Failed to get block for txID ${transactionId}, error details for the TXID [${transactionId}] not available. Ledger bootstrapped from a snapshot. First available block = [120]`;
      throw gatewayError(2, `2 UNKNOWN: evaluate call to endorser returned error: ${detail}`, [detail]);
    };
    const verdict = await verifyReceipt(receipt, { ledger: backend });
    expect(verdict).toMatchObject({
      ok: true,
      blockNotConfirmed: `details for the TXID [${receipt.transactionId}] not available. Ledger bootstrapped from a snapshot. First available block = [120]`,
    });
    expect(verdict.ledgerUnavailable).toBeUndefined();
    const after = await verifyReceipt({ ...receipt, blockNumber: 120 }, { ledger: backend });
    expect(after.ok).toBe(false);
    expect(after.checks.find((check) => check.name === 'ledger-commit')?.detail).toBe(
      'the ledger asked committed the batch with blockNumber below 120',
    );
  });

  it('says the ledger cannot be reached when the peer cannot be asked for the block', async () => {
    const receipt = await fabricReceipt();
    blockOf = async () => {
      throw gatewayError(14, '14 UNAVAILABLE: No connection established', []);
    };
    const verdict = await verifyReceipt(receipt, { ledger: backend });
    expect(verdict).toMatchObject({ ok: false, ledgerUnavailable: expect.stringContaining('14 UNAVAILABLE') });
  });
});
