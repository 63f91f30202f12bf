import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { readmeSection, REPO_ROOT } from './testing/readme';

/** Variables the service's code reads that its tools read alone, and the page that documents each. */
const TOOLS_ONLY: Readonly<Record<string, string>> = {
  EVENT_STORE_SCHEMA: 'docs/audit.md',
  PROJECTIONS_SOURCES_MODULE: 'projections/README.md',
  DEMO_AGENCY_TOKENS: 'ledger-service/src/demo/cli.ts',
  DEMO_REGULATOR_TOKEN: 'ledger-service/src/demo/cli.ts',
};
const SUPERVISION_PAGE = 'docs/supervision.md';

function sourceFilesUnder(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'testing' ? [] : sourceFilesUnder(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

/** Every environment variable the code reads: `env.NAME`, `env['NAME']`, or a reader's `(env, 'NAME')` / `number('NAME')`. */
const variablesRead = new Set(
  ['ledger-service/src', 'projections/src']
    .flatMap((folder) => sourceFilesUnder(path.join(REPO_ROOT, folder)))
    .flatMap((file) => [
      ...readFileSync(file, 'utf8').matchAll(
        /\benv(?:\.|\[')([A-Z][A-Z0-9_]+)|\((?:env, |number\()?'([A-Z]+_[A-Z0-9_]+)'\)/g,
      ),
    ])
    .map((match) => match[1] ?? match[2]!)
    .filter((name) => !name.startsWith('SQLITE_')),
);

/** The names in the first column of the README's configuration table (`A` / `B` rows give two). */
const documented = [...readmeSection('## Configuration').matchAll(/^\| (`[^|]+`) \|/gm)].flatMap((match) =>
  [...match[1]!.matchAll(/`([A-Z][A-Z0-9_]*\*?)`/g)].map((name) => name[1]!),
);
const page = (file: string) => readFileSync(path.join(REPO_ROOT, file), 'utf8');

describe("the README's configuration table", () => {
  it('lists every variable the service reads, SUPERVISION_* on their own page', () => {
    const unlisted = [...variablesRead].filter((name) => {
      if (name.startsWith('SUPERVISION_'))
        return !documented.includes('SUPERVISION_*') || !page(SUPERVISION_PAGE).includes(`\`${name}\``);
      if (name in TOOLS_ONLY) return !page(TOOLS_ONLY[name]!).includes(name);
      return !documented.includes(name);
    });
    expect(unlisted).toEqual([]);
  });

  it('lists no variable the service does not read', () => {
    const unread = documented.filter((name) => name !== 'SUPERVISION_*' && !variablesRead.has(name));
    expect(unread).toEqual([]);
  });
});
