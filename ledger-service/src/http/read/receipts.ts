import type { Receipt, ReceiptVerification } from '../../anchoring/receipts';

/** Where the read routes get receipts: built from the event and anchor stores, checked against the ledger. */
export interface ReceiptSource {
  receiptOf(eventId: string): Promise<Receipt | undefined>;
  verify(receipt: Receipt): Promise<ReceiptVerification>;
}

export interface Proof {
  readonly eventId: string;
  readonly receipt?: Receipt;
  readonly verification?: ReceiptVerification;
}

/**
 * Anchored receipts and their verifications never change, so they are kept in a small LRU; pending
 * ones are asked again on every request.
 */
export function cachedReceipts(source: ReceiptSource, capacity = 10_000) {
  const receipts = new Map<string, Receipt>();
  const verifications = new Map<string, ReceiptVerification>();
  const remember = <T>(map: Map<string, T>, key: string, value: T): void => {
    map.set(key, value);
    if (map.size > capacity) map.delete(map.keys().next().value!);
  };
  const receiptOf = async (eventId: string): Promise<Receipt | undefined> => {
    const cached = receipts.get(eventId);
    if (cached) return cached;
    const receipt = await source.receiptOf(eventId);
    if (receipt?.status === 'anchored') remember(receipts, eventId, receipt);
    return receipt;
  };
  const verify = async (receipt: Receipt): Promise<ReceiptVerification> => {
    const cached = receipt.status === 'anchored' ? verifications.get(receipt.eventId) : undefined;
    if (cached) return cached;
    const verification = await source.verify(receipt);
    if (receipt.status === 'anchored' && verification.ok) remember(verifications, receipt.eventId, verification);
    return verification;
  };
  return {
    receiptOf,
    verify,
    async proofs(eventIds: readonly string[], withVerification: boolean): Promise<Proof[]> {
      const proofs: Proof[] = [];
      for (const eventId of eventIds) {
        const receipt = await receiptOf(eventId);
        if (!receipt) proofs.push({ eventId });
        else if (withVerification) proofs.push({ eventId, receipt, verification: await verify(receipt) });
        else proofs.push({ eventId, receipt });
      }
      return proofs;
    },
  };
}

export type CachedReceipts = ReturnType<typeof cachedReceipts>;
