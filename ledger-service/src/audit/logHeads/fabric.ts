import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { connect, hash, signers, type Gateway } from '@hyperledger/fabric-gateway';
import type { LogHead } from '@certledger/chaincode';
import {
  readFabricConnection,
  toLedgerError,
  type FabricConnection,
  type FabricIdentity,
} from '../../anchoring/fabric';
import type { LogHeadLedger } from './ledger';

export interface FabricLogHeadOptions {
  /** The connection description (or its path, e.g. .fabric/connection.json). */
  readonly connection: FabricConnection | string;
  /** Name of the operator identity that commits heads; default: the first with role admin or anchorer. */
  readonly identity?: string;
}

/**
 * LogHeadContract on the Fabric network, through the gateway with an operator identity (role admin
 * or anchorer). Commits wait for the transaction's status on every org's peer, as anchoring does.
 */
export function fabricLogHeadLedger(options: FabricLogHeadOptions): LogHeadLedger & { close(): void } {
  const connection =
    typeof options.connection === 'string' ? readFabricConnection(options.connection) : options.connection;
  const identity: FabricIdentity | undefined = options.identity
    ? connection.identities.find((id) => id.name === options.identity)
    : connection.identities.find((id) => id.role === 'admin' || id.role === 'anchorer');
  if (!identity)
    throw toLedgerError(new Error('no Fabric identity with role admin or anchorer to commit log heads'), 'log heads');
  const clients: grpc.Client[] = [];
  const gateways = new Map<string, Gateway>();
  const gatewayAt = (mspId: string): Gateway => {
    const existing = gateways.get(mspId);
    if (existing) return existing;
    const peer = connection.peers[mspId]!;
    const client = new grpc.Client(
      peer.endpoint,
      grpc.credentials.createSsl(readFileSync(peer.tlsCACertPath)),
      peer.hostAlias ? { 'grpc.ssl_target_name_override': peer.hostAlias } : {},
    );
    clients.push(client);
    const gateway = connect({
      client,
      identity: { mspId: identity.mspId, credentials: readFileSync(identity.certPath) },
      signer: signers.newPrivateKeySigner(createPrivateKey(readFileSync(identity.keyPath))),
      hash: hash.sha256,
    });
    gateways.set(mspId, gateway);
    return gateway;
  };
  const contract = () =>
    gatewayAt(identity.mspId).getNetwork(connection.channel).getContract(connection.chaincode, 'LogHeadContract');
  const evaluate = async <T>(name: string): Promise<T> => {
    try {
      return JSON.parse(Buffer.from(await contract().evaluateTransaction(name, '{}')).toString('utf8')) as T;
    } catch (error) {
      throw toLedgerError(error, `${name} failed`);
    }
  };
  return {
    async commitHead(head, consistency) {
      try {
        const submitted = await contract().submitAsync('CommitLogHead', {
          arguments: [JSON.stringify({ head, consistency })],
        });
        const others = Object.keys(connection.peers).filter((mspId) => mspId !== identity.mspId);
        const statuses = await Promise.all([
          submitted.getStatus(),
          ...others.map((mspId) => gatewayAt(mspId).newCommit(submitted.getBytes()).getStatus()),
        ]);
        const failed = statuses.find((status) => !status.successful);
        if (failed)
          throw new Error(`transaction ${failed.transactionId} did not commit (validation code ${failed.code})`);
        return { transactionId: statuses[0]!.transactionId, blockNumber: Number(statuses[0]!.blockNumber) };
      } catch (error) {
        throw toLedgerError(error, 'committing the log head failed');
      }
    },
    async latestHead() {
      return (await evaluate<LogHead | null>('GetLogHead')) ?? undefined;
    },
    listHeads: () => evaluate<LogHead[]>('GetLogHeads'),
    close() {
      for (const gateway of gateways.values()) gateway.close();
      for (const client of clients) client.close();
    },
  };
}
