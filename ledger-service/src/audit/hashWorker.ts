import { parentPort } from 'node:worker_threads';
import type { LogHead } from '@certledger/chaincode';
import { LogHasher, type HashPage } from './logHasher';

/** Worker thread entry: pages in, one HashResult out. */
const hasher = new LogHasher();
parentPort!.on('message', (message: { page?: HashPage; finish?: readonly LogHead[]; logKeyId?: string }) => {
  try {
    if (message.page) {
      hasher.process(message.page);
      parentPort!.postMessage({ ack: true });
    } else if (message.finish) {
      parentPort!.postMessage({ result: hasher.finish(message.finish, message.logKeyId) });
    }
  } catch (error) {
    parentPort!.postMessage({ error: (error as Error).message });
  }
});
