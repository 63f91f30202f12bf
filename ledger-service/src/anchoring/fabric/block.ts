import { Reader } from 'protobufjs';

/**
 * The number of a serialized common.Block (field 1 header → field 1 number), read without the
 * full Fabric protobuf definitions.
 */
export function blockNumberOf(block: Uint8Array): number {
  const outer = Reader.create(block);
  while (outer.pos < outer.len) {
    const tag = outer.uint32();
    if (tag >>> 3 === 1 && (tag & 7) === 2) {
      const header = Reader.create(outer.bytes());
      while (header.pos < header.len) {
        const t = header.uint32();
        if (t >>> 3 === 1 && (t & 7) === 0) return Number(header.uint64().toString());
        header.skipType(t & 7);
      }
      return 0;
    }
    outer.skipType(tag & 7);
  }
  throw new Error('not a Fabric block: no header');
}
