import { Writer } from 'protobufjs';
import { LedgerError } from '../port';
import { blockNumberOf } from './block';
import { FabricConnectionError, identityForBatch, parseFabricConnection } from './connection';
import { toLedgerError } from './errors';
import { gatewayError, serializedBlock } from './testing';
import { blockNotServedBy, TransactionBlocks } from './transactionBlocks';

const doc = {
  channel: 'certledger',
  chaincode: 'certledger',
  peers: {
    CBOrgMSP: { endpoint: '127.0.0.1:9051', tlsCACertPath: 'orgs/cb/ca.pem' },
    RegulatorOrgMSP: { endpoint: '127.0.0.1:7051', tlsCACertPath: '/abs/ca.pem' },
  },
  identities: [
    {
      name: 'a1',
      mspId: 'CBOrgMSP',
      role: 'agency',
      agencyId: 'CNCA-R-2002-001',
      certPath: 'a1/cert.pem',
      keyPath: 'a1/key',
    },
    {
      name: 'r32',
      mspId: 'RegulatorOrgMSP',
      role: 'regulator',
      regionCode: '32',
      agencyId: 'REG-32',
      certPath: 'r/cert.pem',
      keyPath: 'r/key',
    },
  ],
};

describe('fabric connection description', () => {
  it('resolves relative paths from its own folder', () => {
    const c = parseFabricConnection(doc, '/state');
    expect(c.peers.CBOrgMSP!.tlsCACertPath).toBe('/state/orgs/cb/ca.pem');
    expect(c.peers.RegulatorOrgMSP!.tlsCACertPath).toBe('/abs/ca.pem');
    expect(c.identities[0]!.keyPath).toBe('/state/a1/key');
  });

  it('refuses an identity of an org without a peer, and a missing channel', () => {
    expect(() =>
      parseFabricConnection({ ...doc, identities: [{ ...doc.identities[0], mspId: 'OtherMSP' }] }, '/'),
    ).toThrow(FabricConnectionError);
    expect(() => parseFabricConnection({ ...doc, channel: '' }, '/')).toThrow(/channel/);
  });

  it('picks the agency identity for certification streams and the regulator for supervision streams', () => {
    const { identities } = parseFabricConnection(doc, '/');
    expect(
      identityForBatch(identities, { agencyId: 'CNCA-R-2002-001', events: [{ streamId: 'certification-x' }] })?.name,
    ).toBe('a1');
    expect(
      identityForBatch(identities, { agencyId: 'CNCA-R-2002-002', events: [{ streamId: 'certification-x' }] }),
    ).toBeUndefined();
    expect(identityForBatch(identities, { agencyId: 'REG-32', events: [{ streamId: 'supervision-1' }] })?.name).toBe(
      'r32',
    );
  });
});

describe('fabric errors', () => {
  const endorseError = (details: string[]) =>
    gatewayError(10, '10 ABORTED: failed to endorse transaction, see attached details for more info', details);

  it('turns a coded chaincode refusal in an endorsement detail into a rejected LedgerError', () => {
    const error = toLedgerError(
      endorseError(['chaincode response 500, CL_VERSION_GAP: event e has version 2; s expects 1']),
      'anchoring',
    );
    expect(error).toBeInstanceOf(LedgerError);
    expect(error).toMatchObject({
      code: 'rejected',
      chaincodeCode: 'CL_VERSION_GAP',
      message: 'CL_VERSION_GAP: event e has version 2; s expects 1',
    });
  });

  it('treats anything else as unavailable', () => {
    expect(toLedgerError(endorseError(['failed to connect']), 'anchoring')).toMatchObject({
      code: 'unavailable',
      chaincodeCode: undefined,
    });
    expect(toLedgerError(new Error('deadline exceeded'), 'anchoring').message).toBe('anchoring: deadline exceeded');
  });
});

describe('block number', () => {
  it('reads the header number of a serialized block', () => {
    expect(blockNumberOf(serializedBlock(4242))).toBe(4242);
    const genesisHeader = Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(Buffer.alloc(32))
      .finish();
    expect(
      blockNumberOf(
        Writer.create()
          .uint32((1 << 3) | 2)
          .bytes(genesisHeader)
          .finish(),
      ),
    ).toBe(0);
    expect(() => blockNumberOf(Buffer.from([]))).toThrow(/no header/);
  });
});

describe('blocks of transactions, from the peer', () => {
  const TX = 'ab'.repeat(32);
  /** What qscc GetBlockByTxID answers through the gateway when the peer's ledger has no block for TX. */
  const qsccRefusal = (error: string) => {
    const detail = `chaincode response 500, Failed to get block for txID ${TX}, error ${error}`;
    return gatewayError(2, `2 UNKNOWN: evaluate call to endorser returned error: ${detail}`, [detail]);
  };
  const SNAPSHOT = `details for the TXID [${TX}] not available. Ledger bootstrapped from a snapshot. First available block = [120]`;
  const UNKNOWN = `no such transaction ID [${TX}] in index`;
  const UNREACHABLE = gatewayError(14, '14 UNAVAILABLE: No connection established', []);

  it('tells a block a snapshot peer cannot serve from a transaction the peer has not committed yet and from a peer that cannot be asked', () => {
    expect(blockNotServedBy(qsccRefusal(SNAPSHOT))).toEqual({ reason: SNAPSHOT, firstAvailableBlock: 120 });
    // A peer behind the one that answered GetBatch: asked again, never a block left unconfirmed.
    expect(blockNotServedBy(qsccRefusal(UNKNOWN))).toBeUndefined();
    expect(blockNotServedBy(qsccRefusal('error while trying to retrieve transaction info by TXID'))).toBeUndefined();
    expect(blockNotServedBy(UNREACHABLE)).toBeUndefined();
    expect(blockNotServedBy(new Error('deadline exceeded'))).toBeUndefined();
  });

  it("asks the peer for a transaction's block once, lookups at once sharing the request, and keeps the most recently used", async () => {
    const asked: string[] = [];
    const blocks = new TransactionBlocks(async (transactionId) => {
      asked.push(transactionId);
      return serializedBlock(7);
    }, 2);
    expect(await Promise.all([blocks.blockOf('t1'), blocks.blockOf('t1')])).toEqual([7, 7]);
    expect(await blocks.blockOf('t1')).toBe(7);
    expect(asked).toEqual(['t1']);
    // A commit this backend waited for tells its block: nothing to ask.
    blocks.remember('t2', 9);
    expect(await blocks.blockOf('t2')).toBe(9);
    expect(asked).toEqual(['t1']);
    await blocks.blockOf('t1');
    await blocks.blockOf('t3');
    expect(asked).toEqual(['t1', 't3']);
    await blocks.blockOf('t1');
    await blocks.blockOf('t2');
    expect(asked).toEqual(['t1', 't3', 't2']);
  });

  it('answers a block the peer cannot serve as such, every time it is asked, and a transaction it has not committed or a peer it cannot reach as unavailable', async () => {
    const failures: Error[] = [qsccRefusal(SNAPSHOT), qsccRefusal(SNAPSHOT), qsccRefusal(UNKNOWN), UNREACHABLE];
    const blocks = new TransactionBlocks(async () => {
      throw failures.shift();
    });
    expect(await blocks.blockOf(TX)).toEqual({ reason: SNAPSHOT, firstAvailableBlock: 120 });
    expect(await blocks.blockOf(TX)).toEqual({ reason: SNAPSHOT, firstAvailableBlock: 120 });
    await expect(blocks.blockOf(TX)).rejects.toMatchObject({
      name: 'LedgerError',
      code: 'unavailable',
      message: expect.stringContaining('no such transaction ID'),
    });
    await expect(blocks.blockOf(TX)).rejects.toMatchObject({
      name: 'LedgerError',
      code: 'unavailable',
      message: expect.stringContaining(`looking up the block of transaction ${TX} failed: 14 UNAVAILABLE`),
    });
    expect(failures).toEqual([]);
  });
});
