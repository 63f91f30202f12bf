import { readmeSection } from '../testing/readme';
import { RULE_TITLES } from './ruleCatalog';

describe('the rule catalogue', () => {
  it('is the table of rules the README gives, rule for rule', () => {
    const section = readmeSection('## Rules');
    const rows = [...section.matchAll(/^\| (R\d+|SEQ) \| (.+) \|$/gm)].map((match) => [match[1], match[2]]);
    expect(rows).toEqual(Object.entries(RULE_TITLES));
  });
});
