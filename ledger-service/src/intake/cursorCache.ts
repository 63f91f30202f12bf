import type { StreamCursor } from './seal';

/**
 * Recently written streams' cursors, so that an intake does not re-read and re-fold the whole
 * stream. Only an optimisation: the store's expected-version check decides, and any doubt (a
 * conflict, a refusal) is settled again against a fresh read.
 */
export class CursorCache {
  private readonly entries = new Map<string, StreamCursor>();
  constructor(private readonly capacity: number) {}

  get(streamId: string): StreamCursor | undefined {
    const cursor = this.entries.get(streamId);
    if (cursor) {
      this.entries.delete(streamId);
      this.entries.set(streamId, cursor);
    }
    return cursor;
  }

  set(streamId: string, cursor: StreamCursor): void {
    this.entries.delete(streamId);
    this.entries.set(streamId, cursor);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(streamId: string): void {
    this.entries.delete(streamId);
  }
}
