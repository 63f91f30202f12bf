import type { NamedSubject } from '@certledger/projections';
import type { EventStore } from '../../eventStore/port';
import { checkJurisdiction, readModelSubjectIndex, subjectsOf } from './jurisdiction';

describe('what a supervision event names', () => {
  it('reads the certification, certificate and client fields, never the CB', () => {
    expect(subjectsOf({ creditCode: '91X', certificateNo: 'C-1', agencyId: 'CNCA-R-2002-001', subject: 's' })).toEqual([
      { field: 'certificateNo', value: 'C-1' },
      { field: 'creditCode', value: '91X' },
    ]);
    expect(subjectsOf({ certificationId: 'N-1', auditId: 'A2' })).toEqual([{ field: 'certificationId', value: 'N-1' }]);
    expect(subjectsOf({ agencyId: 'CNCA-R-2002-001', certificateNo: '' })).toEqual([]);
  });
});

describe('the read model as the index of what supervision events name', () => {
  /** A read model at `positions[i]` on its i-th read (the last one after), knowing C-1 from position 7 on. */
  function readModel(positions: number[]) {
    let reads = 0;
    return {
      get reads() {
        return reads;
      },
      certificationsNamed: async (subject: NamedSubject) => {
        const position = positions[Math.min(reads, positions.length - 1)]!;
        reads += 1;
        const known = position >= 7 && 'certificateNo' in subject && subject.certificateNo === 'C-1';
        return { certificationIds: known ? ['N-1'] : [], position };
      },
    };
  }
  const index = (supervision: ReturnType<typeof readModel>, waitMs = 1_000) =>
    readModelSubjectIndex({ supervision, store: { headPosition: async () => 9 }, waitMs, pollMs: 1 });

  it('waits for a read model behind the log to find a certificate issued a moment ago', async () => {
    const supervision = readModel([5, 6, 7]);
    expect(await index(supervision).certificationsNamed({ certificateNo: 'C-1' })).toEqual(['N-1']);
    expect(supervision.reads).toBe(3);
  });

  it('calls a subject unknown only once the read model has read the log as far as it was when asked', async () => {
    const supervision = readModel([5, 9]);
    expect(await index(supervision).certificationsNamed({ certificateNo: 'C-2' })).toEqual([]);
    expect(supervision.reads).toBe(2);
  });

  it('cannot tell (undefined) when the read model stays behind past the wait', async () => {
    expect(await index(readModel([5]), 20).certificationsNamed({ creditCode: '91X' })).toBeUndefined();
  });
});

describe('checkJurisdiction while the index cannot tell', () => {
  it('answers 503 subjects-catching-up, neither stored nor refused for good', async () => {
    const store = {} as EventStore;
    const behind = { certificationsNamed: async () => undefined };
    await expect(
      checkJurisdiction({ regionCode: '3201' }, { certificateNo: 'C-1' }, store, behind),
    ).rejects.toMatchObject({ status: 503, code: 'subjects-catching-up', extensions: { field: 'data.certificateNo' } });
  });
});
