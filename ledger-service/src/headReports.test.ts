import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { appendTo, contractSigned } from './anchoring/testing/events';
import { openSqliteEventStore } from './eventStore';
import { createHeadReportPart } from './headReports';
import { until } from './testing/until';

describe('head reports (what an API process tells the process running the workers)', () => {
  it('reports the head of the log after each commit, and nothing after it is closed', async () => {
    const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'head-reports-'));
    const store = openSqliteEventStore({ directory });
    const reported: number[] = [];
    const part = createHeadReportPart(store, (head) => reported.push(head));
    try {
      const [first] = await appendTo(store, 'certification-H1', 'CNCA-R-2002-001', [contractSigned(1)]);
      await until('the first head', async () => (reported.includes(first!.position) ? true : undefined), 5_000);
      const [second] = await appendTo(store, 'certification-H2', 'CNCA-R-2002-001', [contractSigned(2)]);
      await until('the second head', async () => (reported.includes(second!.position) ? true : undefined), 5_000);
      expect(reported).toEqual([first!.position, second!.position]);
      await part.close();
      await appendTo(store, 'certification-H3', 'CNCA-R-2002-001', [contractSigned(3)]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(reported).toHaveLength(2);
    } finally {
      await part.close();
      await store.close();
      fs.rmSync(directory, { recursive: true, force: true });
    }
  });
});
