import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultRulesConfig } from '../certification';
import { openSqliteEventStore, type EventStore } from '../eventStore';
import { unavailable, unconfirmed } from '../eventStore/appendRules';
import { overriding } from '../eventStore/forwarding';
import { EventStoreError } from '../eventStore/port';
import { initialCertification, type ScenarioEvent } from '../testing/scenario';
import { IntakeError } from './errors';
import { createIntake, type Intake } from './intake';
import { parseSubmission, type Submission } from './submission';

const AGENCY = 'CNCA-R-2002-001';

/** Two service processes on one database: each has its own store handle and its own cursor cache. */
let dir: string;
let stores: EventStore[];
let first: Intake;
let second: Intake;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'intake-'));
  stores = [openSqliteEventStore({ directory: dir }), openSqliteEventStore({ directory: dir })];
  [first, second] = stores.map((store) =>
    createIntake({ store, rules: defaultRulesConfig, clock: () => new Date() }),
  ) as [Intake, Intake];
});

afterEach(async () => {
  await Promise.all(stores.map((store) => store.close()));
  rmSync(dir, { recursive: true, force: true });
});

const submission = (event: ScenarioEvent, expectedVersion?: number) => {
  const { certificationId, ...body } = event;
  return parseSubmission(certificationId, { ...body, ...(expectedVersion === undefined ? {} : { expectedVersion }) });
};

/** Submissions to one certification, the n-th with eventId `${eventIdPrefix}${n}`, at 10:00 on `day` in Beijing. */
const stepsOf =
  (certificationId: string, eventIdPrefix: string) =>
  (n: number, type: ScenarioEvent['type'], day: string, data: Record<string, unknown>) =>
    submission({ certificationId, eventId: `${eventIdPrefix}${n}`, type, occurredAt: `${day}T10:00:00+08:00`, data });

describe('intake with a stream written by another process meanwhile', () => {
  const events = initialCertification({ certificationId: 'TWO-PROC', appliedOn: '2025-03-01' });

  it('continues the stream as it is, not as this process last saw it', async () => {
    await first.submit(AGENCY, submission(events[0]!));
    await first.submit(AGENCY, submission(events[1]!)); // first now caches version 1
    await second.submit(AGENCY, submission(events[2]!)); // the stream moves on behind first's back
    const { event } = await first.submit(AGENCY, submission(events[3]!));
    expect(event.version).toBe(3);
    const stream = await stores[0]!.readStream('certification-TWO-PROC');
    expect(stream.map((e) => e.version)).toEqual([0, 1, 2, 3]);
    stream.slice(1).forEach((e, i) => expect(e.prevHash).toBe(stream[i]!.hash));
  });

  it('accepts a correct expectedVersion that its own cache would have called stale', async () => {
    await first.submit(AGENCY, submission(events[0]!));
    await first.submit(AGENCY, submission(events[1]!));
    await second.submit(AGENCY, submission(events[2]!));
    const { event } = await first.submit(AGENCY, submission(events[3]!, 2));
    expect(event.version).toBe(3);
  });

  it('refuses an expectedVersion that is stale on a fresh read, naming the real version', async () => {
    await first.submit(AGENCY, submission(events[0]!));
    await second.submit(AGENCY, submission(events[1]!));
    const refusal = await first.submit(AGENCY, submission(events[2]!, 0)).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(IntakeError);
    expect(refusal).toMatchObject({ code: 'wrong-expected-version', extensions: { actualVersion: 1 } });
  });

  it('answers a retry of an event the other process stored with that event', async () => {
    await first.submit(AGENCY, submission(events[0]!));
    const stored = await second.submit(AGENCY, submission(events[1]!));
    const retry = await first.submit(AGENCY, submission(events[1]!));
    expect(retry.created).toBe(false);
    expect(retry.event.hash).toBe(stored.event.hash);
  });
});

describe('intake retries by eventId', () => {
  const events = initialCertification({ certificationId: 'RETRY-2', appliedOn: '2025-03-01' });

  it('answers a retry of an earlier event of the stream, which the rules would now refuse, with that event', async () => {
    const stored = await first.submit(AGENCY, submission(events[0]!));
    await first.submit(AGENCY, submission(events[1]!));
    const retry = await first.submit(AGENCY, submission(events[0]!));
    expect(retry).toMatchObject({
      created: false,
      event: { hash: stored.event.hash, position: stored.event.position },
    });
  });

  it("answers a retry of the stream's last event with that event, even with a stale expectedVersion", async () => {
    await first.submit(AGENCY, submission(events[0]!));
    const stored = await first.submit(AGENCY, submission(events[1]!, 0));
    const retry = await first.submit(AGENCY, submission(events[1]!, 0));
    expect(retry).toMatchObject({ created: false, event: { hash: stored.event.hash, version: 1 } });
    expect(await stores[0]!.readStream('certification-RETRY-2')).toHaveLength(2);
  });

  it('refuses an earlier eventId with another body as a conflict, leaving the stream as it was', async () => {
    await first.submit(AGENCY, submission(events[0]!));
    await first.submit(AGENCY, submission(events[1]!));
    const changed = { ...events[0]!, data: { ...events[0]!.data, scope: '另一个范围' } };
    const refusal = await first.submit(AGENCY, submission(changed)).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ kind: 'conflict', code: 'event-id-conflict' });
    expect(await stores[0]!.readStream('certification-RETRY-2')).toHaveLength(2);
  });

  it('answers the stored events of a re-sent bulk import as retries and stores the rest', async () => {
    await first.submitBulk(
      AGENCY,
      events.slice(0, 5).map((event) => submission(event)),
    );
    const outcomes = await first.submitBulk(
      AGENCY,
      events.map((event) => submission(event)),
    );
    expect(outcomes.map((outcome) => outcome.ok && outcome.created)).toEqual(events.map((_, index) => index >= 5));
    const stream = await stores[0]!.readStream('certification-RETRY-2');
    expect(stream.map((event) => event.eventId)).toEqual(events.map((event) => event.eventId));
  });

  it('stores many certifications of one bulk request each all or none, one refused among them', async () => {
    const certifications = Array.from({ length: 40 }, (_, i) =>
      initialCertification({
        certificationId: `MANY-${i}`,
        appliedOn: '2025-03-01',
        certificateNo: `BMANY${String(i).padStart(4, '0')}`,
      }).slice(0, 3),
    );
    const bad = certifications[25]!;
    bad[1] = { ...bad[1]!, data: { ...bad[1]!.data, outcome: 'maybe' } };
    const outcomes = await first.submitBulk(
      AGENCY,
      certifications.flat().map((event) => submission(event)),
    );
    expect(outcomes.map((outcome) => outcome.ok)).toEqual(
      certifications.flatMap((_, i) => [i !== 25, i !== 25, i !== 25]),
    );
    for (const [i, events] of certifications.entries()) {
      const stream = await stores[0]!.readStream(`certification-MANY-${i}`);
      expect(stream.map((event) => event.eventId)).toEqual(i === 25 ? [] : events.map((event) => event.eventId));
    }
  });
});

describe('a bulk import when the store fails on the way', () => {
  const events = initialCertification({ certificationId: 'BULK-DOUBT', appliedOn: '2025-03-01' }).slice(0, 2);
  const outage = () => new EventStoreError('store-unavailable', 'down', { reason: 'ECONNREFUSED' });
  const failures = (outcomes: Awaited<ReturnType<Intake['submitBulk']>>) =>
    outcomes.map((outcome) => (outcome.ok ? 'stored' : `${outcome.error.code}: ${outcome.error.message}`));

  it('says the outcome is unknown, never "nothing was written", when the commit went unconfirmed and the lookup fails too', async () => {
    const store = stores[0]!;
    // The commit lands but its answer is lost (PostgreSQL: COMMIT sent, no reply); the same outage fails the lookup.
    const flaky = overriding(store, {
      appendEach: async (requests) => (await store.appendEach(requests)).map(() => unconfirmed(new Error('lost'))),
      findEvents: async () => {
        throw outage();
      },
    });
    const intake = createIntake({ store: flaky, rules: defaultRulesConfig, clock: () => new Date() });
    const outcomes = await intake.submitBulk(
      AGENCY,
      events.map((event) => submission(event)),
    );
    expect(await store.readStream('certification-BULK-DOUBT')).toHaveLength(2);
    expect(failures(outcomes)).toEqual(
      events.map(() =>
        expect.stringMatching(/^store-unavailable: .*may have been stored: retry with the same eventId/),
      ),
    );
  });

  /** An intake whose first append fails as an outage, after which `meanwhile` runs before the real second append. */
  const racedIntake = (meanwhile: () => Promise<unknown>) => {
    const store = stores[0]!;
    let appends = 0;
    const raced = overriding(store, {
      appendEach: async (requests) => {
        appends += 1;
        if (appends === 1) return requests.map(() => unavailable(outage()));
        await meanwhile();
        return store.appendEach(requests);
      },
    });
    return createIntake({ store: raced, rules: defaultRulesConfig, clock: () => new Date() });
  };

  it('answers an event another request stored between the lookup and the append as a replay when the bodies agree', async () => {
    let concurrent: Awaited<ReturnType<Intake['submitBulk']>> = [];
    const intake = racedIntake(async () => {
      concurrent = await second.submitBulk(
        AGENCY,
        events.map((event) => submission(event)),
      );
    });
    const outcomes = await intake.submitBulk(
      AGENCY,
      events.map((event) => submission(event)),
    );
    expect(outcomes[0]).toEqual({ ok: true, created: false, event: (concurrent[0] as { event: unknown }).event });
    // The other event of the certification was stored by the other request, not by this one: a retry answers it.
    expect(outcomes[1]).toMatchObject({
      ok: false,
      error: {
        kind: 'conflict',
        code: 'certification-batch-failed',
        extensions: { failedEventId: events[0]!.eventId },
      },
    });
    const retried = await first.submitBulk(
      AGENCY,
      events.map((event) => submission(event)),
    );
    expect(retried.map((outcome) => outcome.ok && outcome.created)).toEqual([false, false]);
  });

  it('refuses an event another request stored between the lookup and the append with another body as a conflict', async () => {
    const changed = { ...events[0]!, data: { ...events[0]!.data, scope: '另一个范围' } };
    const intake = racedIntake(() => second.submit(AGENCY, submission(changed)));
    const outcomes = await intake.submitBulk(AGENCY, [submission(events[0]!)]);
    expect(outcomes).toEqual([
      {
        ok: false,
        error: expect.objectContaining({
          kind: 'conflict',
          code: 'event-id-conflict',
          message: expect.stringContaining('already stored with another body'),
        }),
      },
    ]);
  });
});

describe('a transfer release, as the intake sees it', () => {
  const ACCEPTING = 'CNCA-R-2002-002';
  const DAY_MS = 86_400_000;
  const certification = initialCertification({ certificationId: 'RELEASED-1', appliedOn: '2025-03-01' });
  const step = stepsOf('RELEASED-1', '5eed7777-2026-4000-8000-00000000010');
  const release = step(1, 'TransferReleased', '2026-05-25', { toAgencyId: ACCEPTING, reason: '客户申请转换' });
  // Dated a week after the release, inside its window, whenever it is submitted.
  const transfer = step(2, 'CertificationTransferred', '2026-06-01', { fromAgencyId: AGENCY, reason: '客户变更' });

  it('lapses the days after the store recorded it, for the process that wrote it and for any other', async () => {
    let now = Date.now();
    const [holder, other] = stores.map((store) =>
      createIntake({ store, rules: defaultRulesConfig, clock: () => new Date(now) }),
    ) as [Intake, Intake];
    const imported = await holder.submitBulk(AGENCY, [...certification.map((event) => submission(event)), release]);
    expect(imported.every((outcome) => outcome.ok)).toBe(true);

    now += 91 * DAY_MS;
    for (const intake of [holder, other]) {
      const refusal = await intake.submit(ACCEPTING, transfer).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(IntakeError);
      expect(refusal).toMatchObject({ code: 'transfer-not-released', message: expect.stringContaining('lapsed') });
    }
    now -= 80 * DAY_MS;
    expect(await other.submit(ACCEPTING, transfer)).toMatchObject({ created: true });
  });
});

describe("another CB's certification, as the intake answers it", () => {
  const OTHER = 'CNCA-R-2002-002';
  const held = initialCertification({ certificationId: 'HELD-1', appliedOn: '2025-03-01' });
  const lastVersion = held.length - 1;
  const step = stepsOf('HELD-1', '5eed7777-2026-4000-8000-00000000020');
  const suspension = step(1, 'CertificateSuspended', '2025-05-20', {
    reason: '监督审核未按期进行',
    until: '2025-08-20',
  });
  const transfer = step(2, 'CertificationTransferred', '2025-06-01', { fromAgencyId: AGENCY, reason: '客户变更' });
  const application = { ...submission(held[0]!), eventId: '5eed7777-2026-4000-8000-000000000203' };
  const refusalOf = (promise: Promise<unknown>) =>
    promise.then(
      () => 'stored',
      (error: unknown) => error,
    );
  const bulkRefusalOf = async (event: Submission) => {
    const [outcome] = await first.submitBulk(OTHER, [event]);
    return outcome!.ok ? 'stored' : outcome!.error;
  };
  const withExpected = (event: Submission, expectedVersion: number): Submission => ({ ...event, expectedVersion });

  beforeEach(async () => {
    const imported = await first.submitBulk(
      AGENCY,
      held.map((event) => submission(event)),
    );
    expect(imported.every((outcome) => outcome.ok)).toBe(true);
  });

  it.each([
    ['an event only the holder writes', suspension, 'not-holding-agency'],
    ['a transfer never released to it', transfer, 'transfer-not-released'],
    ['a new application under a taken certificationId', application, 'application-exists'],
  ])('refuses %s with an expectedVersion as without one, never telling the version', async (_what, event, code) => {
    const unversioned = await refusalOf(first.submit(OTHER, event));
    expect(unversioned).toMatchObject({ kind: 'rule', code });
    for (const expectedVersion of [-1, 0, lastVersion - 1]) {
      const versioned = withExpected(event, expectedVersion);
      for (const refusal of [await refusalOf(first.submit(OTHER, versioned)), await bulkRefusalOf(versioned)]) {
        expect(refusal).toEqual(unversioned);
        expect(refusal).toMatchObject({ code, extensions: (unversioned as IntakeError).extensions });
      }
    }
    expect(await stores[0]!.readStream('certification-HELD-1')).toHaveLength(held.length);
  });

  it("answers another CB's reuse of a stored eventId as a conflict naming only that eventId", async () => {
    const reused = withExpected(submission(held[2]!), 0);
    for (const refusal of [await refusalOf(first.submit(OTHER, reused)), await bulkRefusalOf(reused)]) {
      expect(refusal).toMatchObject({ code: 'event-id-conflict', extensions: { eventId: held[2]!.eventId } });
      expect(Object.keys((refusal as IntakeError).extensions)).toEqual(['eventId']);
    }
  });

  /**
   * An intake on `first`'s store before whose append `meanwhile` runs, once: another request's events
   * land between its read of the stream and its append. Its first bulk append fails as an outage, so
   * that the race falls on the pass after the lookup, whose answer stands.
   */
  const racedBy = (meanwhile: () => Promise<unknown>) => {
    const store = stores[0]!;
    let raced = false;
    const race = async () => {
      if (!raced) await meanwhile();
      raced = true;
    };
    let bulkAppends = 0;
    const outage = new EventStoreError('store-unavailable', 'down', { reason: 'ECONNREFUSED' });
    const racing = overriding(store, {
      append: async (request) => {
        await race();
        return store.append(request);
      },
      appendEach: async (requests) => {
        bulkAppends += 1;
        if (bulkAppends === 1) return requests.map(() => unavailable(outage));
        await race();
        return store.appendEach(requests);
      },
    });
    return createIntake({ store: racing, rules: defaultRulesConfig, clock: () => new Date() });
  };
  const release = step(4, 'TransferReleased', '2025-05-25', { toAgencyId: OTHER, reason: '客户申请转换' });
  const transferAway = async () => {
    await second.submit(AGENCY, release);
    await second.submit(OTHER, transfer);
  };

  /** A refusal by submit, or by submitBulk of that event alone. */
  const answerOf = async (intake: Intake, how: 'submit' | 'submitBulk', event: Submission) => {
    if (how === 'submit') return refusalOf(intake.submit(AGENCY, event));
    const [outcome] = await intake.submitBulk(AGENCY, [event]);
    return outcome!.ok ? 'stored' : outcome!.error;
  };

  it.each(['submit', 'submitBulk'] as const)(
    'answers a CB the certification was transferred away from between its read and its append (%s) as without expectedVersion',
    async (how) => {
      const refusal = await answerOf(racedBy(transferAway), how, withExpected(suspension, lastVersion));
      const unversioned = await refusalOf(first.submit(AGENCY, suspension));
      expect(unversioned).toMatchObject({ kind: 'rule', code: 'not-holding-agency' });
      expect(refusal).toEqual(unversioned);
    },
  );

  it.each(['submit', 'submitBulk'] as const)(
    'tells the holder whose append (%s) lost a race to its own request that its expectedVersion is stale',
    async (how) => {
      const raced = racedBy(() => second.submit(AGENCY, release));
      expect(await answerOf(raced, how, withExpected(suspension, lastVersion))).toMatchObject({
        code: 'wrong-expected-version',
        extensions: { actualVersion: lastVersion + 1 },
      });
    },
  );

  it('still tells the holder, and the CB a transfer is released to, that their expectedVersion is stale', async () => {
    const stale = await refusalOf(first.submit(AGENCY, withExpected(suspension, 1)));
    expect(stale).toMatchObject({ code: 'wrong-expected-version', extensions: { actualVersion: lastVersion } });
    await first.submit(AGENCY, release);
    const released = await refusalOf(first.submit(OTHER, withExpected(transfer, lastVersion)));
    expect(released).toMatchObject({ code: 'wrong-expected-version', extensions: { actualVersion: lastVersion + 1 } });
    expect(await first.submit(OTHER, withExpected(transfer, lastVersion + 1))).toMatchObject({ created: true });
  });
});
