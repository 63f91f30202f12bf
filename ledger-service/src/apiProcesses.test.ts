import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { compiledFile } from './compiledFile';
import { initialCertification } from './testing/scenario';
import { until } from './testing/until';

// The service as `LEDGER_API_PROCESSES=2 npm start` runs it: a primary process with the workers
// and two API processes sharing the port, all real processes over one SQLite data directory.

const AGENCY = { authorization: 'Bearer demo-agency-001' };
const CERTIFICATE_NO = 'PROC-0001';

interface Answer {
  readonly status: number;
  readonly body: Record<string, any>;
  readonly text: string;
}

/** One request on a connection of its own: the primary hands each new connection to the next API process. */
function call(
  port: number,
  method: string,
  url: string,
  body?: unknown,
  authorization: Record<string, string> = AGENCY,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        port,
        host: '127.0.0.1',
        method,
        path: url,
        agent: false,
        headers: { ...authorization, ...(text ? { 'content-type': 'application/json' } : {}) },
      },
      (res) => {
        let data = '';
        res.on('data', (chunk) => (data += chunk));
        res.on('end', () => {
          const json = /json/.test(res.headers['content-type'] ?? '') && data !== '';
          resolve({ status: res.statusCode!, body: json ? JSON.parse(data) : {}, text: data });
        });
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

/** The pids of a process's children, from /proc. */
function childrenOf(pid: number): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid ? [Number(entry)] : [];
      } catch {
        return [];
      }
    });
}

const alive = (pid: number): boolean => fs.existsSync(`/proc/${pid}`);

describe('the service on two API processes (LEDGER_API_PROCESSES=2)', () => {
  let dataDir: string;
  let primary: ChildProcess;
  let port: number;
  let output = '';

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-processes-'));
    primary = spawn(process.execPath, [compiledFile(__dirname, 'main.js')!], {
      env: { ...process.env, PORT: '0', LEDGER_DATA_DIR: dataDir, LEDGER_API_PROCESSES: '2', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    primary.stdout!.on('data', (chunk) => (output += chunk));
    primary.stderr!.on('data', (chunk) => (output += chunk));
    port = await until(
      'the primary to say both API processes listen',
      async () => Number(/"port":(\d+),"apiProcesses":2,"msg":"listening"/.exec(output)?.[1]) || undefined,
      30_000,
    );
  });

  afterAll(async () => {
    if (primary.exitCode === null) primary.kill('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs two API processes under the primary, which keeps no port of its own to serve', () => {
    expect(childrenOf(primary.pid!)).toHaveLength(2);
  });

  it('keeps one chain per certification when its events arrive at both processes in turn', async () => {
    const events = initialCertification({
      certificationId: 'PROC-1',
      appliedOn: '2025-03-01',
      certificateNo: CERTIFICATE_NO,
    });
    for (const { certificationId, ...body } of events) {
      const answer = await call(port, 'POST', `/v1/certifications/${certificationId}/events`, body);
      expect(answer.status).toBe(201);
    }
    const stream = await call(port, 'GET', '/v1/certifications/PROC-1/events');
    const stored = stream.body.events as { version: number; hash: string; prevHash: string }[];
    expect(stored.map((event) => event.version)).toEqual(events.map((_, version) => version));
    stored.forEach((event, i) => expect(event.prevHash).toBe(i === 0 ? '0'.repeat(64) : stored[i - 1]!.hash));
  });

  it('lets exactly one of concurrent submissions for the same version win, across processes', async () => {
    const answers = await Promise.all(
      Array.from({ length: 8 }, () =>
        call(port, 'POST', '/v1/certifications/PROC-1/events', {
          eventId: randomUUID(),
          type: 'CertificateSuspended',
          occurredAt: '2025-09-01T10:00:00+08:00',
          expectedVersion: 13,
          data: { reason: '未按期接受监督审核', until: '2025-12-01' },
        }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 201)).toHaveLength(1);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(refused.map((answer) => [answer.status, answer.body.code])).toEqual(
      refused.map(() => [409, 'wrong-expected-version']),
    );
    const stream = await call(port, 'GET', '/v1/certifications/PROC-1/events');
    expect(stream.body.events).toHaveLength(15);
  });

  it('projects what the API processes take in, through the workers in the primary', async () => {
    const suspended = await until(
      'the suspension in the registry',
      async () => {
        const answer = await call(port, 'GET', `/v1/certificates/${CERTIFICATE_NO}`);
        return answer.body.status === 'suspended' ? answer.body : undefined;
      },
      30_000,
    );
    expect(suspended.certificateNo).toBe(CERTIFICATE_NO);
  });

  it("serves /metrics from either API process with the figures of the primary's workers, asked over the cluster's channel", async () => {
    const admin = { authorization: 'Bearer demo-admin' };
    const anchored = /^certledger_anchor_events_anchored_total\{backend="embedded"\} [1-9]\d*$/m;
    await until('the anchored events, counted', async () => {
      const scraped = await call(port, 'GET', '/metrics', undefined, admin);
      return anchored.test(scraped.text) ? true : undefined;
    });
    // Each new connection goes to the next API process: both answer with the primary's workers.
    for (const _ of [1, 2]) {
      const scraped = await call(port, 'GET', '/metrics', undefined, admin);
      expect(scraped.status).toBe(200);
      expect(scraped.text).toMatch(/^certledger_metrics_part_up\{part="workers"\} 1$/m);
      expect(scraped.text).toMatch(anchored);
      expect(scraped.text).toMatch(/^certledger_event_store_head_position 15$/m);
    }
  });

  it('goes on answering when an API process dies, and forks another in its place', async () => {
    const [victim, survivor] = childrenOf(primary.pid!);
    process.kill(victim!, 'SIGKILL');
    await until('the process to be gone', async () => (alive(victim!) ? undefined : true), 10_000);
    for (let i = 0; i < 4; i += 1) expect((await call(port, 'GET', '/healthz')).status).toBe(200);
    const replaced = await until(
      'a new API process',
      async () => {
        const children = childrenOf(primary.pid!);
        return children.length === 2 && !children.includes(victim!) ? children : undefined;
      },
      20_000,
    );
    expect(replaced).toContain(survivor);
    expect(output).toMatch(/"msg":"an API process exited"/);
  });

  it('stops every process on SIGTERM', async () => {
    const children = childrenOf(primary.pid!);
    const exited = new Promise<number | null>((resolve) => primary.once('exit', resolve));
    primary.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(children.filter(alive)).toEqual([]);
  });
});
