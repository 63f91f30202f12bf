import { ConfigError, loadConfig } from './config';

describe('LEDGER_WORKERS: where the anchorer, the projections and supervision run', () => {
  it('is a worker thread of the service unless told otherwise', () => {
    expect(loadConfig({}).workers).toBe('thread');
  });

  it.each(['thread', 'in-process', 'separate'] as const)('accepts %s', (mode) => {
    expect(loadConfig({ LEDGER_WORKERS: mode }).workers).toBe(mode);
  });

  it('refuses anything else, naming the choices', () => {
    expect(() => loadConfig({ LEDGER_WORKERS: 'threads' })).toThrow(ConfigError);
    expect(() => loadConfig({ LEDGER_WORKERS: 'threads' })).toThrow(/thread, in-process, separate/);
  });
});
