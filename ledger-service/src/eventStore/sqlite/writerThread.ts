import { parentPort, workerData } from 'node:worker_threads';
import {
  fromWireRequest,
  openConnection,
  SqliteWriter,
  toWireBatch,
  toWireError,
  type WireRequest,
  type WriterConnection,
} from './sqliteWriter';

/** Worker thread entry: commits the store's batches on a connection of its own, off the event loop. */
const port = parentPort!;
const writer = new SqliteWriter(openConnection(workerData as WriterConnection));
port.on('message', (message: { readonly id: number; readonly requests: WireRequest[] } | 'close') => {
  if (message === 'close') {
    writer.close();
    port.close();
    return;
  }
  try {
    const batch = writer.commit(message.requests.map(fromWireRequest));
    port.postMessage({ id: message.id, batch: toWireBatch(batch) });
  } catch (error) {
    port.postMessage({ id: message.id, failure: toWireError(error) });
  }
});
