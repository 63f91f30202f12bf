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

describe('LEDGER_API_PROCESSES: how many processes serve the HTTP API', () => {
  it('is one unless told otherwise', () => {
    expect(loadConfig({}).apiProcesses).toBe(1);
  });

  it('takes a whole number of processes', () => {
    expect(loadConfig({ LEDGER_API_PROCESSES: '4' }).apiProcesses).toBe(4);
  });

  it.each(['0', '-1', '1.5', 'two', '65'])('refuses %s, saying what it takes', (value) => {
    expect(() => loadConfig({ LEDGER_API_PROCESSES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ LEDGER_API_PROCESSES: value })).toThrow(
      /LEDGER_API_PROCESSES must be a whole number from 1 to 64/,
    );
  });
});

describe('LEDGER_QR_SECRET: signs the QR tokens and regulator sessions', () => {
  it('defaults to the demo secret with the demo principals only', () => {
    expect(loadConfig({}).qrSecret.length).toBeGreaterThanOrEqual(16);
    expect(() => loadConfig({ LEDGER_PRINCIPALS: '/etc/certledger/principals.json' })).toThrow(/LEDGER_QR_SECRET/);
    expect(() => loadConfig({ NODE_ENV: 'production', LEDGER_PRINCIPALS: '/etc/p.json' })).toThrow(/LEDGER_QR_SECRET/);
  });

  it('refuses the public demo secret with real principals, and a short one', () => {
    const demoSecret = loadConfig({}).qrSecret;
    expect(() => loadConfig({ LEDGER_PRINCIPALS: '/etc/p.json', LEDGER_QR_SECRET: demoSecret })).toThrow(/demo secret/);
    expect(() => loadConfig({ LEDGER_PRINCIPALS: '/etc/p.json', LEDGER_QR_SECRET: 'short' })).toThrow(ConfigError);
    expect(loadConfig({ LEDGER_PRINCIPALS: '/etc/p.json', LEDGER_QR_SECRET: 'sixteen-chars-or-more' }).qrSecret).toBe(
      'sixteen-chars-or-more',
    );
  });
});
