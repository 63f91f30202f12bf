import { GatewayError } from '@hyperledger/fabric-gateway';
import { Writer } from 'protobufjs';
import { LedgerError } from '../port';
import { blockNumberOf } from './block';
import { FabricConnectionError, identityForBatch, parseFabricConnection } from './connection';
import { toLedgerError } from './errors';

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
  const gatewayError = (details: string[]) =>
    new GatewayError({
      code: 10,
      message: '10 ABORTED: failed to endorse transaction, see attached details for more info',
      details: details.map((message) => ({ address: 'peer0:9051', mspId: 'CBOrgMSP', message })),
      cause: Object.assign(new Error('aborted'), { code: 10, details: '', metadata: undefined as never }),
    });

  it('turns a coded chaincode refusal in an endorsement detail into a rejected LedgerError', () => {
    const error = toLedgerError(
      gatewayError(['chaincode response 500, CL_VERSION_GAP: event e has version 2; s expects 1']),
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
    expect(toLedgerError(gatewayError(['failed to connect']), 'anchoring')).toMatchObject({
      code: 'unavailable',
      chaincodeCode: undefined,
    });
    expect(toLedgerError(new Error('deadline exceeded'), 'anchoring').message).toBe('anchoring: deadline exceeded');
  });
});

describe('block number', () => {
  it('reads the header number of a serialized block', () => {
    const header = Writer.create()
      .uint32((1 << 3) | 0)
      .uint64(4242)
      .uint32((2 << 3) | 2)
      .bytes(Buffer.alloc(32))
      .finish();
    const block = Writer.create()
      .uint32((1 << 3) | 2)
      .bytes(header)
      .uint32((2 << 3) | 2)
      .bytes(Buffer.from([1, 2, 3]))
      .finish();
    expect(blockNumberOf(block)).toBe(4242);
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
