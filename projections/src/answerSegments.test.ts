import { createAnswerSegments } from './answerSegments';

const KB = 1024;
const DAY = 20260601;
const bodyOf = (key: string, version: number, size = 900): string =>
  `{"certificateNo":"${key}","v":${version},"scope":"${'阀门制造'.repeat(Math.ceil(size / 12))}"}`;
const etagOf = (key: string, version: number) => `W/"valid:${key}.${version}"`;

describe('answer segments', () => {
  it('gives back the ETag and the bytes of the body kept, for the day it was kept', () => {
    const segments = createAnswerSegments({ maxBytes: 256 * KB, segmentBytes: 64 * KB });
    const kept = segments.put('CERT-1', DAY, etagOf('CERT-1', 1), bodyOf('CERT-1', 1))!;
    expect(kept.body.toString()).toBe(bodyOf('CERT-1', 1));
    const found = segments.get('CERT-1', DAY)!;
    expect(found.etag).toBe(etagOf('CERT-1', 1));
    expect(found.body.toString()).toBe(bodyOf('CERT-1', 1));
    expect(segments.get('CERT-1', DAY + 1)).toBeUndefined();
    expect(segments.get('CERT-2', DAY)).toBeUndefined();
    segments.put('CERT-1', DAY, etagOf('CERT-1', 2), bodyOf('CERT-1', 2));
    expect(segments.get('CERT-1', DAY)!.etag).toBe(etagOf('CERT-1', 2));
    expect(segments.size).toBe(1);
    segments.delete('CERT-1');
    expect(segments.get('CERT-1', DAY)).toBeUndefined();
    segments.put('CERT-3', DAY, etagOf('CERT-3', 1), bodyOf('CERT-3', 1));
    segments.clear();
    expect(segments.get('CERT-3', DAY)).toBeUndefined();
    expect([segments.size, segments.bytes]).toEqual([0, 0]);
  });

  it('stays within its memory: the oldest segment goes, with a second chance for answers asked for again', () => {
    const segments = createAnswerSegments({ maxBytes: 128 * KB, segmentBytes: 64 * KB });
    const keys = Array.from({ length: 200 }, (_, n) => `CERT-${n}`);
    for (const key of keys.slice(0, 60)) segments.put(key, DAY, etagOf(key, 1), bodyOf(key, 1));
    // Two segments' worth and more: the first segment must go for the rest.
    expect(segments.get('CERT-5', DAY)).toBeDefined();
    for (const key of keys.slice(60)) segments.put(key, DAY, etagOf(key, 1), bodyOf(key, 1));
    expect(segments.bytes).toBeLessThanOrEqual(128 * KB);
    expect(segments.get('CERT-5', DAY)?.body.toString()).toBe(bodyOf('CERT-5', 1));
    expect(segments.get('CERT-6', DAY)).toBeUndefined();
    expect(segments.get('CERT-199', DAY)?.body.toString()).toBe(bodyOf('CERT-199', 1));
  });

  it('does not keep an answer larger than a quarter segment', () => {
    const segments = createAnswerSegments({ maxBytes: 256 * KB, segmentBytes: 64 * KB });
    expect(segments.put('BIG', DAY, etagOf('BIG', 1), bodyOf('BIG', 1, 20 * KB))).toBeUndefined();
    expect(segments.get('BIG', DAY)).toBeUndefined();
    expect(createAnswerSegments({ maxBytes: 32 * KB, segmentBytes: 64 * KB }).put('A', DAY, 'e', 'b')).toBeUndefined();
  });

  it('never answers with another version or another key, over many replacements, drops and rotations', () => {
    const segments = createAnswerSegments({ maxBytes: 512 * KB, segmentBytes: 64 * KB });
    const latest = new Map<string, number>();
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    let found = 0;
    for (let step = 0; step < 20_000; step++) {
      const key = `CERT-${random(1500)}`;
      const action = random(10);
      if (action < 4) {
        const version = (latest.get(key) ?? 0) + 1;
        latest.set(key, version);
        segments.put(key, DAY, etagOf(key, version), bodyOf(key, version, 200 + random(1500)));
      } else if (action < 5) {
        segments.delete(key);
      } else {
        const kept = segments.get(key, DAY);
        if (!kept) continue;
        found++;
        const version = latest.get(key)!;
        expect(kept.etag).toBe(etagOf(key, version));
        expect(JSON.parse(kept.body.toString())).toMatchObject({ certificateNo: key, v: version });
      }
      expect(segments.bytes).toBeLessThanOrEqual(512 * KB);
    }
    expect(found).toBeGreaterThan(1000);
  });
});
