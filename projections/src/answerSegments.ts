/**
 * Answers (an ETag and a body) kept as bytes in large segments, found by key through one Map from
 * key to slot number; a slot's place, lengths, day and flag live in typed arrays. So a million
 * answers are a million Map keys for the garbage collector, not six million objects: with an object
 * and a Buffer per answer, a full collection of the heap stopped the event loop for 200-440 ms.
 *
 * Segments fill in order. When the memory is used up, the oldest segment goes; its answers asked
 * for since they were kept are copied into the new segment (second chance, up to half of it), the
 * others are forgotten. An answer replaced or dropped leaves its bytes in its segment until then.
 */
export interface AnswerSegments {
  get(key: string, day: number): KeptAnswer | undefined;
  /** Keeps the answer, unless it is larger than a quarter segment; says whether it did. */
  put(key: string, day: number, etag: string, body: string): KeptAnswer | undefined;
  delete(key: string): void;
  clear(): void;
  readonly size: number;
  /** Memory held by segments. */
  readonly bytes: number;
}

export interface KeptAnswer {
  readonly etag: string;
  /** A view into the segment: valid while it is sent (a dropped segment is never written again). */
  readonly body: Buffer;
}

export interface AnswerSegmentsOptions {
  readonly maxBytes: number;
  readonly segmentBytes: number;
}

interface Segment {
  readonly serial: number;
  readonly bytes: Buffer;
  used: number;
  /** Keys written here; a key later moved or dropped is skipped when the segment goes. */
  readonly keys: string[];
}

const INITIAL_SLOTS = 1024;

export function createAnswerSegments(options: AnswerSegmentsOptions): AnswerSegments {
  const { segmentBytes } = options;
  const maxSegments = Math.floor(options.maxBytes / segmentBytes);
  const index = new Map<string, number>();
  let segments: Segment[] = [];
  let nextSerial = 0;
  let capacity = 0;
  let segmentOf = new Int32Array(0);
  let offsetOf = new Uint32Array(0);
  let etagLengthOf = new Uint32Array(0);
  let bodyLengthOf = new Uint32Array(0);
  let dayOf = new Uint32Array(0);
  let askedAgain = new Uint8Array(0);
  let freeSlots: number[] = [];

  const grow = (): void => {
    const next = Math.max(INITIAL_SLOTS, capacity * 2);
    const widen = <T extends Int32Array | Uint32Array | Uint8Array>(old: T, make: (n: number) => T): T => {
      const wider = make(next);
      wider.set(old);
      return wider;
    };
    segmentOf = widen(segmentOf, (n) => new Int32Array(n));
    offsetOf = widen(offsetOf, (n) => new Uint32Array(n));
    etagLengthOf = widen(etagLengthOf, (n) => new Uint32Array(n));
    bodyLengthOf = widen(bodyLengthOf, (n) => new Uint32Array(n));
    dayOf = widen(dayOf, (n) => new Uint32Array(n));
    askedAgain = widen(askedAgain, (n) => new Uint8Array(n));
    for (let slot = next - 1; slot >= capacity; slot--) freeSlots.push(slot);
    capacity = next;
  };

  const segmentOfSlot = (slot: number): Segment => segments[segmentOf[slot]! - segments[0]!.serial]!;
  const head = (): Segment | undefined => segments[segments.length - 1];

  const forget = (key: string): void => {
    const slot = index.get(key);
    if (slot === undefined) return;
    index.delete(key);
    freeSlots.push(slot);
  };

  /** Writes bytes already encoded (a moved answer) or the ETag and body (a new one) at the head. */
  const place = (key: string, day: number, write: (target: Buffer, at: number) => [number, number]): void => {
    const target = head()!;
    if (freeSlots.length === 0) grow();
    const slot = freeSlots.pop()!;
    const [etagLength, bodyLength] = write(target.bytes, target.used);
    segmentOf[slot] = target.serial;
    offsetOf[slot] = target.used;
    etagLengthOf[slot] = etagLength;
    bodyLengthOf[slot] = bodyLength;
    dayOf[slot] = day;
    askedAgain[slot] = 0;
    target.used += etagLength + bodyLength;
    target.keys.push(key);
    index.set(key, slot);
  };

  /** Opens a new head segment, first letting the oldest go when the memory is used up. */
  const rotate = (): void => {
    const oldest = segments.length >= maxSegments ? segments.shift() : undefined;
    segments.push({ serial: nextSerial++, bytes: Buffer.allocUnsafeSlow(segmentBytes), used: 0, keys: [] });
    if (!oldest) return;
    const secondChanceRoom = segmentBytes / 2;
    for (const key of oldest.keys) {
      const slot = index.get(key);
      if (slot === undefined || segmentOf[slot] !== oldest.serial) continue;
      const [start, etagLength, bodyLength, day] = [
        offsetOf[slot]!,
        etagLengthOf[slot]!,
        bodyLengthOf[slot]!,
        dayOf[slot]!,
      ];
      const secondChance = askedAgain[slot] === 1 && head()!.used + etagLength + bodyLength <= secondChanceRoom;
      forget(key);
      if (!secondChance) continue;
      place(key, day, (target, at) => {
        oldest.bytes.copy(target, at, start, start + etagLength + bodyLength);
        return [etagLength, bodyLength];
      });
    }
  };

  const viewOf = (slot: number): KeptAnswer => {
    const { bytes } = segmentOfSlot(slot);
    const start = offsetOf[slot]!;
    const bodyStart = start + etagLengthOf[slot]!;
    return {
      etag: bytes.toString('utf8', start, bodyStart),
      body: bytes.subarray(bodyStart, bodyStart + bodyLengthOf[slot]!),
    };
  };

  return {
    get: (key, day) => {
      const slot = index.get(key);
      if (slot === undefined || dayOf[slot] !== day) return undefined;
      askedAgain[slot] = 1;
      return viewOf(slot);
    },
    put: (key, day, etag, body) => {
      const length = Buffer.byteLength(etag) + Buffer.byteLength(body);
      forget(key);
      if (maxSegments === 0 || length > segmentBytes / 4) return undefined;
      if (!head() || head()!.used + length > segmentBytes) rotate();
      place(key, day, (target, at) => {
        const etagLength = target.write(etag, at);
        return [etagLength, target.write(body, at + etagLength)];
      });
      return viewOf(index.get(key)!);
    },
    delete: forget,
    clear: () => {
      index.clear();
      segments = [];
      freeSlots = [];
      for (let slot = capacity - 1; slot >= 0; slot--) freeSlots.push(slot);
    },
    get size() {
      return index.size;
    },
    get bytes() {
      return segments.length * segmentBytes;
    },
  };
}
