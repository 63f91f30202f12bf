import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, Contract, Gateway, hash, signers } from '@hyperledger/fabric-gateway';
import { encodeBatch } from '@certledger/chaincode';
import type { AnchorBatchResult, ContractQuery } from '@certledger/chaincode';
import { AnchorBatch, AnchorCommit, BlockNotServed, LedgerBackend, LedgerError } from '../port';
import { ContractQueries } from '../contractQueries';
import { FabricConnection, FabricIdentity, FabricPeer, identityForBatch, readFabricConnection } from './connection';
import { toLedgerError } from './errors';
import { TransactionBlocks } from './transactionBlocks';

export interface FabricTimeouts {
  readonly evaluateMs: number;
  readonly endorseMs: number;
  readonly submitMs: number;
  readonly commitStatusMs: number;
}

export interface FabricBackendOptions {
  /** The connection description (or the path of one, e.g. .fabric/connection.json). */
  readonly connection: FabricConnection | string;
  /** Identity used for queries; default: the first regulator identity, else the first one. */
  readonly queryIdentity?: string;
  readonly timeouts?: Partial<FabricTimeouts>;
}

export interface FabricLedgerBackend extends LedgerBackend {
  readonly kind: 'fabric';
  readonly channel: string;
  readonly chaincode: string;
}

const DEFAULT_TIMEOUTS: FabricTimeouts = {
  evaluateMs: 5_000,
  endorseMs: 15_000,
  submitMs: 5_000,
  commitStatusMs: 60_000,
};

/** Connects lazily: nothing is dialled until the first anchor or query. */
export function openFabricBackend(options: FabricBackendOptions): FabricLedgerBackend {
  const connection =
    typeof options.connection === 'string' ? readFabricConnection(options.connection) : options.connection;
  return new FabricBackend(connection, options);
}

/** A transaction committed on every peer: its result, id and block. */
interface Committed {
  readonly result: Uint8Array;
  readonly transactionId: string;
  readonly blockNumber: number;
}

class FabricBackend extends ContractQueries implements FabricLedgerBackend {
  readonly kind = 'fabric' as const;
  readonly channel: string;
  readonly chaincode: string;
  private readonly timeouts: FabricTimeouts;
  private readonly queryIdentity: FabricIdentity;
  private readonly clients = new Map<string, grpc.Client>();
  /** One gateway connection per identity (and per peer it waits on for commits). */
  private readonly gateways = new Map<string, Gateway>();
  private readonly transactionBlocks = new TransactionBlocks((transactionId) =>
    this.gatewayFor(this.queryIdentity)
      .getNetwork(this.channel)
      .getContract('qscc')
      .evaluateTransaction('GetBlockByTxID', this.channel, transactionId),
  );
  private closed = false;

  constructor(
    private readonly connection: FabricConnection,
    options: FabricBackendOptions,
  ) {
    super();
    this.channel = connection.channel;
    this.chaincode = connection.chaincode;
    this.timeouts = Object.freeze({ ...DEFAULT_TIMEOUTS, ...options.timeouts });
    const query = options.queryIdentity
      ? connection.identities.find((id) => id.name === options.queryIdentity)
      : (connection.identities.find((id) => id.role === 'regulator') ?? connection.identities[0]);
    if (!query) throw new LedgerError('unavailable', `no Fabric identity named ${options.queryIdentity}`);
    this.queryIdentity = query;
  }

  async anchor(batch: AnchorBatch): Promise<AnchorCommit> {
    const identity = this.writerFor(batch);
    let committed: Committed;
    try {
      committed = await this.submitEverywhere(identity, 'AnchorBatch', encodeBatch(batch));
    } catch (error) {
      throw toLedgerError(error, `anchoring batch ${batch.batchId} failed`);
    }
    const result = JSON.parse(Buffer.from(committed.result).toString('utf8')) as AnchorBatchResult;
    // Nothing was written for a replay: the receipt names the transaction and block that anchored it first.
    if (result.replayed) return this.replayedCommitOf(result.batch);
    this.transactionBlocks.remember(committed.transactionId, committed.blockNumber);
    return this.commitOf({ ...result.batch, transactionId: committed.transactionId }, committed.blockNumber, false);
  }

  async authorizeTransfer(streamId: string, fromAgencyId: string, toAgencyId: string): Promise<void> {
    const identity = this.writerFor({ agencyId: fromAgencyId, events: [{ streamId }] });
    try {
      await this.submitEverywhere(identity, 'AuthorizeTransfer', JSON.stringify({ streamId, toAgencyId }));
    } catch (error) {
      throw toLedgerError(error, `authorizing the transfer of ${streamId} to ${toAgencyId} failed`);
    }
  }

  /** The identity that writes as this agency (or regulator) on these streams. */
  private writerFor(batch: Parameters<typeof identityForBatch>[1]): FabricIdentity {
    const identity = identityForBatch(this.connection.identities, batch);
    if (!identity) {
      throw new LedgerError(
        'unavailable',
        `no Fabric identity may anchor for ${batch.agencyId}: enroll one with its agencyId attribute`,
      );
    }
    return identity;
  }

  /**
   * Submits a transaction endorsed by every org and waits until every peer has committed it: the
   * next transaction on a stream is endorsed by both orgs, and a peer that has not yet committed
   * this block would refuse it as a version gap.
   */
  private async submitEverywhere(identity: FabricIdentity, name: string, argument: string): Promise<Committed> {
    // Naming the orgs lets the gateway endorse on both peers at once; left to discovery it runs
    // the contract on its own org's peer first and only then on the other's.
    const submitted = await this.contractFor(identity).submitAsync(name, {
      arguments: [argument],
      endorsingOrganizations: Object.keys(this.connection.peers),
    });
    const statuses = await Promise.all([
      submitted.getStatus(),
      ...this.otherPeers(identity).map((mspId) =>
        this.gatewayFor(identity, mspId).newCommit(submitted.getBytes()).getStatus(),
      ),
    ]);
    const failed = statuses.find((status) => !status.successful);
    if (failed) {
      throw new LedgerError(
        'unavailable',
        `transaction ${failed.transactionId} did not commit (validation code ${failed.code})`,
      );
    }
    return {
      result: submitted.getResult(),
      transactionId: statuses[0]!.transactionId,
      blockNumber: Number(statuses[0]!.blockNumber),
    };
  }

  /** The block holding a transaction, from the peer's query system chaincode, asked once per transaction. */
  protected blockOfTransaction(transactionId: string): Promise<number | BlockNotServed> {
    return this.transactionBlocks.blockOf(transactionId);
  }

  async ping(): Promise<void> {
    await this.evaluate('GetBatch', { batchId: '0'.repeat(64) });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const gateway of this.gateways.values()) gateway.close();
    for (const client of this.clients.values()) client.close();
    this.gateways.clear();
    this.clients.clear();
  }

  protected async evaluate<T>(name: ContractQuery, argument: object): Promise<T> {
    try {
      const bytes = await this.contractFor(this.queryIdentity).evaluate(name, {
        arguments: [JSON.stringify(argument)],
      });
      return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
    } catch (error) {
      throw toLedgerError(error, `${name} failed`);
    }
  }

  private contractFor(identity: FabricIdentity): Contract {
    return this.gatewayFor(identity).getNetwork(this.channel).getContract(this.chaincode);
  }

  private otherPeers(identity: FabricIdentity): string[] {
    return Object.keys(this.connection.peers).filter((mspId) => mspId !== identity.mspId);
  }

  /** The identity's gateway connection through a peer (its own org's peer unless told otherwise). */
  private gatewayFor(identity: FabricIdentity, peerMspId: string = identity.mspId): Gateway {
    if (this.closed) throw new LedgerError('unavailable', 'the Fabric backend is closed');
    const key = `${identity.name}@${peerMspId}`;
    const existing = this.gateways.get(key);
    if (existing) return existing;
    const peer = this.connection.peers[peerMspId]!;
    const deadline = (ms: number) => () => ({ deadline: Date.now() + ms });
    let gateway: Gateway;
    try {
      gateway = connect({
        client: this.clientFor(peer),
        identity: { mspId: identity.mspId, credentials: readFileSync(identity.certPath) },
        signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(identity.keyPath))),
        hash: hash.sha256,
        evaluateOptions: deadline(this.timeouts.evaluateMs),
        endorseOptions: deadline(this.timeouts.endorseMs),
        submitOptions: deadline(this.timeouts.submitMs),
        commitStatusOptions: deadline(this.timeouts.commitStatusMs),
      });
    } catch (error) {
      throw new LedgerError(
        'unavailable',
        `cannot use the Fabric identity ${identity.name}: ${(error as Error).message}`,
      );
    }
    this.gateways.set(key, gateway);
    return gateway;
  }

  private clientFor(peer: FabricPeer): grpc.Client {
    const existing = this.clients.get(peer.mspId);
    if (existing) return existing;
    const credentials = grpc.credentials.createSsl(readFileSync(peer.tlsCACertPath));
    const options: grpc.ChannelOptions = peer.hostAlias ? { 'grpc.ssl_target_name_override': peer.hostAlias } : {};
    const client = new grpc.Client(peer.endpoint, credentials, options);
    this.clients.set(peer.mspId, client);
    return client;
  }
}
