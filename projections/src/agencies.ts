import fs from 'node:fs';
import path from 'node:path';

/** What the public disclosure says about a CB beyond the ledger: its approval and accreditation. */
export interface AgencyProfile {
  readonly agencyId: string;
  readonly name: string;
  readonly nameEn?: string;
  readonly approvalNo: string;
  readonly approvedUntil?: string;
  readonly accreditation?: { readonly body: string; readonly number: string; readonly validUntil?: string };
  readonly schemes: readonly string[];
}

export type AgencyDirectory = ReadonlyMap<string, AgencyProfile>;

/** The demo list shipped in projections/config/agencies.json. */
export const DEFAULT_AGENCIES_FILE = path.resolve(__dirname, '../config/agencies.json');

export class AgencyFileError extends Error {
  readonly code = 'agency-file-invalid';
  constructor(file: string, why: string) {
    super(`agencies file ${file}: ${why}`);
    this.name = 'AgencyFileError';
  }
}

export function parseAgencies(json: unknown, file = 'agencies'): AgencyDirectory {
  const list = (json as { agencies?: unknown })?.agencies;
  if (!Array.isArray(list)) throw new AgencyFileError(file, 'needs an "agencies" list');
  const directory = new Map<string, AgencyProfile>();
  for (const entry of list as AgencyProfile[]) {
    if (!entry || typeof entry.agencyId !== 'string' || typeof entry.name !== 'string')
      throw new AgencyFileError(file, 'every agency needs agencyId and name');
    if (!Array.isArray(entry.schemes)) throw new AgencyFileError(file, `agency ${entry.agencyId} needs a schemes list`);
    directory.set(entry.agencyId, Object.freeze({ ...entry, approvalNo: entry.approvalNo ?? entry.agencyId }));
  }
  return directory;
}

export function loadAgencies(
  file: string = process.env.PROJECTIONS_AGENCIES_FILE ?? DEFAULT_AGENCIES_FILE,
): AgencyDirectory {
  return parseAgencies(JSON.parse(fs.readFileSync(file, 'utf8')), file);
}
