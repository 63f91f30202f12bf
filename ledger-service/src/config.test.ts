import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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

describe('PORT: the HTTP port', () => {
  it('is 8080 unless told otherwise; 0 lets the system choose', () => {
    expect(loadConfig({}).port).toBe(8080);
    expect(loadConfig({ PORT: '18080' }).port).toBe(18080);
    expect(loadConfig({ PORT: '0' }).port).toBe(0);
  });

  it.each(['', ' ', 'http', '65536', '80.5'])('refuses "%s" rather than listen where no one looks', (value) => {
    expect(() => loadConfig({ PORT: value })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: value })).toThrow(/PORT must be a TCP port/);
  });
});

describe('LEDGER_METRICS_ACCESS: who reads GET /metrics', () => {
  it('is admins unless told otherwise; public opens it to anyone', () => {
    expect(loadConfig({}).metricsAccess).toBe('admin');
    expect(loadConfig({ LEDGER_METRICS_ACCESS: 'public' }).metricsAccess).toBe('public');
  });

  it('refuses anything else, naming the choices', () => {
    expect(() => loadConfig({ LEDGER_METRICS_ACCESS: 'everyone' })).toThrow(
      /LEDGER_METRICS_ACCESS must be one of admin, public/,
    );
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

describe('the early warnings’ settings: the rules’ limits from LEDGER_RULES_FILE, SUPERVISION_* for their own', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const rulesFile = (rules: Record<string, unknown>): string => {
    const file = path.join(dir, `rules-${Object.keys(rules).join('-')}.json`);
    fs.writeFileSync(file, JSON.stringify(rules));
    return file;
  };

  it('takes each limit the rules and the warnings share from the rules file: one value, one setting', () => {
    const file = rulesFile({
      remoteAuditPermitted: true,
      minOnsiteShare: 0.5,
      maxSuspensionMonths: 4,
      minSystemOperationMonths: 6,
    });
    const config = loadConfig({ LEDGER_RULES_FILE: file });
    expect(config.supervision).toMatchObject({
      remoteAuditPermitted: true,
      minOnsiteShare: 0.5,
      maxSuspensionMonths: 4,
      minSystemOperationMonths: 6,
    });
    expect(config.supervision).toMatchObject({
      remoteAuditPermitted: config.rules.remoteAuditPermitted,
      minOnsiteShare: config.rules.minOnsiteShare,
      maxSuspensionMonths: config.rules.maxSuspensionMonths,
      minSystemOperationMonths: config.rules.minSystemOperationMonths,
    });
  });

  it('without a rules file, the rules’ defaults', () => {
    expect(loadConfig({}).supervision).toMatchObject({
      remoteAuditPermitted: false,
      minOnsiteShare: 0.8,
      maxSuspensionMonths: 6,
      minSystemOperationMonths: 3,
    });
  });

  it('SUPERVISION_* set the values only the warnings have', () => {
    const config = loadConfig({
      LEDGER_RULES_FILE: rulesFile({ remoteAuditPermitted: true }),
      SUPERVISION_SURVEILLANCE_MONTHS: '10',
      SUPERVISION_SPOT_CHECK_DAYS: '20',
      SUPERVISION_CHECKIN_RADIUS_KM: '2.5',
      SUPERVISION_REPORTING_DAY: '15',
      SUPERVISION_WITHDRAWAL_WORKING_DAYS: '3',
      SUPERVISION_HOLIDAYS: '2026-10-01, 2026-10-02',
    });
    expect(config.supervision).toMatchObject({
      surveillanceIntervalMonths: 10,
      spotCheckFollowUpDays: 20,
      checkInRadiusKm: 2.5,
      reportingDayOfMonth: 15,
      withdrawalWorkingDays: 3,
      holidays: ['2026-10-01', '2026-10-02'],
      remoteAuditPermitted: true,
    });
  });

  it('refuses SUPERVISION_MAX_SUSPENSION_MONTHS, which would set R12’s limit a second time', () => {
    const load = () => loadConfig({ SUPERVISION_MAX_SUSPENSION_MONTHS: '4' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SUPERVISION_MAX_SUSPENSION_MONTHS .*maxSuspensionMonths in LEDGER_RULES_FILE/);
  });

  it('stops the service at start on a bad SUPERVISION_* value, saying which', () => {
    const load = () => loadConfig({ SUPERVISION_CHECKIN_RADIUS_KM: 'far' });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SUPERVISION_CHECKIN_RADIUS_KM must be a number; got "far"/);
    expect(() => loadConfig({ SUPERVISION_CHECKIN_RADIUS_KM: '-1' })).toThrow(/checkInRadiusKm must be > 0/);
  });
});

describe('EVENT_STORE_QUERY_TIMEOUT_SECONDS: how long a PostgreSQL store statement may take', () => {
  it("is left to the stores' default unless set", () => {
    expect(loadConfig({}).eventStoreQueryTimeoutMs).toBeUndefined();
  });

  it('takes seconds, fractions included', () => {
    expect(loadConfig({ EVENT_STORE_QUERY_TIMEOUT_SECONDS: '2.5' }).eventStoreQueryTimeoutMs).toBe(2500);
    expect(loadConfig({ EVENT_STORE_QUERY_TIMEOUT_SECONDS: '0' }).eventStoreQueryTimeoutMs).toBe(0);
  });

  it.each(['-1', 'ten', '00x'])('refuses %s', (value) => {
    expect(() => loadConfig({ EVENT_STORE_QUERY_TIMEOUT_SECONDS: value })).toThrow(ConfigError);
  });
});
