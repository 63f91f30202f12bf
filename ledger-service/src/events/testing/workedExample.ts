import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { HashedEnvelope } from '../canonical';

export const CANONICAL_ENCODING_DOC = path.resolve(__dirname, '../../../../docs/canonical-encoding.md');

/** The worked example of docs/canonical-encoding.md. */
export const workedExample: HashedEnvelope = {
  eventId: '6f1d2c3b-4a59-4e8f-9b7a-0c1d2e3f4a5b',
  certificationId: 'JSQC-2026-0001',
  type: 'AuditPlanned',
  version: 4,
  agencyId: 'CNCA-R-2002-001',
  occurredAt: '2026-03-02T09:00:00+08:00',
  prevHash: '9f2c1e0b7a6d5c4b3a29181706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3',
  data: {
    auditId: 'A-STAGE2',
    mode: 'onsite',
    start: '2026-03-10',
    end: '2026-03-11',
    auditDays: 2.5,
    onsiteDays: 2.5,
  },
};

/** A block of the document marked <!-- label -->, white space removed. */
export function documented(label: string): string {
  const text = readFileSync(CANONICAL_ENCODING_DOC, 'utf8');
  const match = new RegExp(`<!-- ${label} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\`\`\``).exec(text);
  if (!match) throw new Error(`docs/canonical-encoding.md has no ${label} block`);
  return match[1]!.replace(/\s+/g, '');
}
