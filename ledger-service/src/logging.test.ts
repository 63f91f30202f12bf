import { Writable } from 'node:stream';
import request from 'supertest';
import { createLogger, errorForLog, readinessLog, withoutPasswords } from './logging';
import { startFullService } from './testing/fullService';

function capture(): { stream: Writable; lines: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, lines: () => text };
}

describe('errorForLog', () => {
  it("keeps an error's class, message, stack and codes, and drops what libraries attach to it", () => {
    const error = Object.assign(new Error('too many parameters'), {
      status: 413,
      type: 'parameters.too.many',
      body: 'token=demo-regulator-3201&a=1',
      headers: { authorization: 'Bearer demo-agency-001' },
    });
    const logged = errorForLog(error);
    expect(logged).toMatchObject({
      type: 'Error',
      message: 'too many parameters',
      status: 413,
      errorType: 'parameters.too.many',
    });
    expect(logged.stack).toEqual(expect.stringContaining('too many parameters'));
    expect(JSON.stringify(logged)).not.toMatch(/demo-regulator|demo-agency/);
  });

  it('follows the cause, with the same care', () => {
    const cause = Object.assign(new Error('ENOSPC'), { code: 'SQLITE_FULL', sql: 'INSERT … personal data' });
    const logged = errorForLog(new Error('append failed', { cause }));
    expect(logged.cause).toMatchObject({ message: 'ENOSPC', code: 'SQLITE_FULL' });
    expect(JSON.stringify(logged)).not.toContain('personal data');
  });

  it('hides the password of a URL its message or stack quotes, and keeps the rest', () => {
    const logged = errorForLog(new Error('cannot reach postgres://certledger:hunter2@db.internal:5432/ledger'));
    expect(logged.message).toBe('cannot reach postgres://certledger:***@db.internal:5432/ledger');
    expect(JSON.stringify(logged)).not.toContain('hunter2');
  });

  it('says only the kind of a thrown value that is not an Error', () => {
    expect(errorForLog({ token: 'demo-agency-001' })).toEqual({ type: 'object' });
  });
});

describe('withoutPasswords', () => {
  it.each([
    ['a URL', 'postgres://certledger:hunter2@db:5432/ledger', 'postgres://certledger:***@db:5432/ledger'],
    ['a URL whose password holds an unescaped @', 'postgres://u:p@ss@db/ledger', 'postgres://u:***@db/ledger'],
    ['a URL with no path', 'at postgres://u:p@ss@db, then', 'at postgres://u:***@db, then'],
    [
      'a query parameter',
      'postgres://db/ledger?user=u&password=hunter2&sslmode=require',
      'postgres://db/ledger?user=u&password=***&sslmode=require',
    ],
    ['a first query parameter', 'postgres://db/ledger?PASSWORD=hunter2#x', 'postgres://db/ledger?PASSWORD=***#x'],
    ['a libpq keyword', 'host=db user=u password=hunter2 dbname=ledger', 'host=db user=u password=*** dbname=ledger'],
    ['a quoted libpq keyword', "password = 'hun ter\\'2' dbname=ledger", 'password = *** dbname=ledger'],
    ['the key file password', '"sslpassword=hunter2 host=db"', '"sslpassword=*** host=db"'],
  ])('hides the password of %s', (_form, text, hidden) => {
    expect(withoutPasswords(text)).toBe(hidden);
  });

  it('keeps a text without a password as it is', () => {
    const text = 'password authentication failed for user "certledger" at postgres://certledger@db/ledger';
    expect(withoutPasswords(text)).toBe(text);
  });
});

describe('readinessLog', () => {
  const logged = () => {
    const lines: Array<{ level: string; object: Record<string, unknown> }> = [];
    const at = (level: string) => (object: object) => void lines.push({ level, object: { ...object } });
    return { lines, log: readinessLog({ info: at('info'), warn: at('warn') }) };
  };

  it("logs a check's failure when it starts, not again while it lasts", () => {
    const { lines, log } = logged();
    for (let poll = 0; poll < 3; poll += 1) log.failed('eventStore', new Error('ECONNREFUSED db:5432'));
    expect(lines).toEqual([
      { level: 'warn', object: expect.objectContaining({ check: 'eventStore', err: expect.any(Error) }) },
    ]);
  });

  it('logs a failure with another error at warn, and the check passing again at info, once', () => {
    const { lines, log } = logged();
    log.failed('ledger', new Error('ECONNREFUSED'), { backend: 'fabric' });
    log.failed('ledger', new Error('ETIMEDOUT'), { backend: 'fabric' });
    log.passed('ledger', { backend: 'fabric' });
    log.passed('ledger', { backend: 'fabric' });
    log.failed('ledger', new Error('ETIMEDOUT'), { backend: 'fabric' });
    expect(
      lines.map(({ level, object }) => `${level} ${(object.err as Error | undefined)?.message ?? object.check}`),
    ).toEqual(['warn ECONNREFUSED', 'warn ETIMEDOUT', 'info ledger', 'warn ETIMEDOUT']);
    expect(lines.every(({ object }) => object.backend === 'fabric')).toBe(true);
  });

  it('tells each check apart, and logs nothing of a check that never failed', () => {
    const { lines, log } = logged();
    log.passed('eventStore');
    log.failed('eventStore', new Error('down'));
    log.failed('read-side', new Error('down'));
    expect(lines.map(({ object }) => object.check)).toEqual(['eventStore', 'read-side']);
  });
});

describe("the service's logs when a request fails", () => {
  it('answers a sign-in form with too many fields 413, and logs neither the form nor its token', async () => {
    const out = capture();
    const running = await startFullService({ logger: createLogger({ level: 'debug' }, out.stream) });
    const { service } = running;
    try {
      const form = ['token=demo-regulator-3201', ...Array.from({ length: 1100 }, () => 'a')].join('&');
      const response = await request(service.app)
        .post('/regulator/login')
        .set('content-type', 'application/x-www-form-urlencoded')
        .send(form);
      expect(response.status).toBe(413);
      // A browser page: its error is a page too, with the problem's status and code.
      expect(response.headers['content-type']).toMatch(/text\/html/);
      expect(response.text).toContain('data-code="parameters-too-many"');
      expect(response.text).not.toContain('demo-regulator-3201');
      const broken = await request(service.app)
        .post('/v1/events')
        .set('authorization', 'Bearer demo-agency-001')
        .set('content-type', 'application/json')
        .set('content-encoding', 'gzip')
        .send('not gzip at all');
      expect(broken.status).toBe(400);
      expect(broken.body.code).not.toBe('internal');
    } finally {
      await running.close();
    }
    expect(out.lines()).toContain('"path":"/regulator/login"');
    expect(out.lines()).not.toMatch(/demo-regulator-3201|demo-agency-001/);
    expect(out.lines()).not.toContain('"level":50');
  });
});
