import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { withoutSecrets } from '../support/retainedRecords.ts';
import { factsOf } from '../../src/datasources/registry.ts';

// `jobgraph history prune` and `history backup` as an operator runs them (bin/jobgraph.mjs, the
// compiled dist/), on a SQLite file an older jobgraph made (issue 84, item 7): the prune gives
// the freed space back (the file shrinks), the backup is the user's alone.

const bin = fileURLToPath(new URL('../../bin/jobgraph.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'jobgraph-history-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const jobgraph = (args: string[], env: Record<string, string>) =>
  promisify(execFile)(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
  });

describe('jobgraph history', () => {
  it('prune deletes the old jobs and shrinks the file; backup writes a 0600 copy', async () => {
    const path = join(dir, 'history.sqlite');
    // An older jobgraph's file: its tables made with auto_vacuum off.
    const { DatabaseSync } = await import('node:sqlite');
    const old = new DatabaseSync(path);
    old.exec('PRAGMA page_size = 32768; CREATE TABLE made_before (a); DROP TABLE made_before');
    old.close();
    const db = (await openHistoryDatabase({
      kind: 'sqlite',
      path,
      dataDir: null,
      implicit: false,
    }))!;
    const writer = new HistoryWriter(db, { factsOf, withoutSecrets });
    for (let i = 0; i < 3000; i++) {
      const id = `batch:us-east-1:old-${i}`;
      const at = '2020-01-01T00:00:00.000Z';
      writer.record({
        record: {
          id,
          provider: 'AWS_BATCH',
          state: 'SUCCEEDED',
          createdAt: at,
          stoppedAt: at,
          statusReason: `done ${i} `.repeat(200),
        } as unknown as JobRecord,
        from: null,
        to: 'SUCCEEDED',
        providerStatus: 'SUCCEEDED',
        at,
        source: 'READ',
        account: 'default',
      });
    }
    await writer.close();
    db.sqliteExec!('PRAGMA wal_checkpoint(TRUNCATE)');
    await db.close();
    const before = statSync(path).size;

    const env = { JOBGRAPH_HISTORY_URL: `sqlite:${path}`, JOBGRAPH_HISTORY_RETAIN_DAYS: '1' };
    const pruned = await jobgraph(['history', 'prune'], env);
    const m =
      /^pruned 3000 job\(s\) older than 1 days from sqlite:.*; the file went from (\d+) to (\d+) bytes\n$/.exec(
        pruned.stdout,
      );
    expect(m, pruned.stdout).not.toBeNull();
    expect(Number(m![1])).toBe(before);
    expect(Number(m![2])).toBe(statSync(path).size);
    expect(statSync(path).size).toBeLessThan(before / 4);

    const backup = join(dir, 'backup.sqlite');
    const copied = await jobgraph(['history', 'backup', backup], env);
    expect(copied.stdout).toBe(`backed up sqlite:${path} to ${backup}\n`);
    expect((statSync(backup).mode & 0o777).toString(8)).toBe('600');
  });
});
