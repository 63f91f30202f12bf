import fs from 'node:fs';
import path from 'node:path';

describe('chaincode sources', () => {
  it('never write to the console (the shim logger is the only output)', () => {
    const sources = fs.readdirSync(__dirname).filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'));
    expect(sources.length).toBeGreaterThan(0);
    const offenders = sources.filter((file) =>
      /\bconsole\s*\./.test(fs.readFileSync(path.join(__dirname, file), 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
