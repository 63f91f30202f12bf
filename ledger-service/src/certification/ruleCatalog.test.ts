import fs from 'node:fs';
import path from 'node:path';
import { RULE_TITLES } from './ruleCatalog';

describe('the rule catalogue', () => {
  it('is the table of rules the README gives, rule for rule', () => {
    const readme = fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Rules'), readme.indexOf('\n## ', readme.indexOf('## Rules') + 1));
    const rows = [...section.matchAll(/^\| (R\d+|SEQ) \| (.+) \|$/gm)].map((match) => [match[1], match[2]]);
    expect(rows).toEqual(Object.entries(RULE_TITLES));
  });
});
