// The history's files are the process user's alone (issue 84, item 7): the data folder 0700, the
// SQLite file, its -wal and -shm, and a backup 0600, whatever the umask (the tests' is 022).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupHistory } from '../../src/history/backup.ts';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { withoutSecrets } from '../support/retainedRecords.ts';
import { factsOf } from '../../src/datasources/registry.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** A data folder that does not exist yet, in a fresh temporary folder. */
const newDataDir = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobgraph-modes-'));
  dirs.push(dir);
  return join(dir, 'deep', 'jobgraph-data');
};

/** Open the store in `dataDir`, write one job (so the -wal and -shm exist), and leave it open. */
async function openAndWrite(dataDir: string, implicit: boolean) {
  const path = join(dataDir, 'history.sqlite');
  const db = (await openHistoryDatabase({ kind: 'sqlite', path, dataDir, implicit }))!;
  const writer = new HistoryWriter(db, { factsOf, withoutSecrets });
  const id = 'batch:us-east-1:one';
  writer.record({
    record: { id, provider: 'AWS_BATCH', state: 'RUNNING' } as unknown as JobRecord,
    from: null,
    to: 'RUNNING',
    providerStatus: 'RUNNING',
    at: '2026-01-01T00:00:00.000Z',
    source: 'READ',
    account: 'default',
  });
  await writer.close();
  return { db, path };
}

describe('The SQLite history files', () => {
  it('makes the data folder 0700 and the database, its -wal and -shm 0600', async () => {
    const dataDir = await newDataDir();
    const { db, path } = await openAndWrite(dataDir, false);
    try {
      expect(modeOf(dataDir)).toBe('700');
      expect([path, `${path}-wal`, `${path}-shm`].map(modeOf)).toEqual(['600', '600', '600']);
    } finally {
      await db.close();
    }
  });

  it("tightens the default folder and an older jobgraph's files; keeps the mode of a folder the operator named", async () => {
    for (const implicit of [true, false]) {
      const dataDir = await newDataDir();
      mkdirSync(dataDir, { recursive: true });
      chmodSync(dataDir, 0o755);
      const path = join(dataDir, 'history.sqlite');
      // What an older jobgraph left: the folder 0755, the file and its -wal 0644.
      const old = await openAndWrite(dataDir, implicit);
      await old.db.close();
      chmodSync(dataDir, 0o755);
      chmodSync(path, 0o644);
      writeFileSync(`${path}-wal`, '');
      chmodSync(`${path}-wal`, 0o644);

      const { db } = await openAndWrite(dataDir, implicit);
      try {
        expect(modeOf(dataDir)).toBe(implicit ? '700' : '755');
        expect([path, `${path}-wal`, `${path}-shm`].map(modeOf)).toEqual(['600', '600', '600']);
      } finally {
        await db.close();
      }
    }
  });

  it('writes a backup 0600, never over an existing file', async () => {
    const dataDir = await newDataDir();
    const { db } = await openAndWrite(dataDir, false);
    try {
      const backup = join(dataDir, '..', 'backup.sqlite');
      expect(backupHistory(db, backup)).toMatch(/^backed up sqlite:.* to .*backup\.sqlite\n$/);
      expect(modeOf(backup)).toBe('600');
      expect(statSync(backup).size).toBeGreaterThan(0);
      expect(() => backupHistory(db, backup)).toThrow(/exists; name a new file/);
    } finally {
      await db.close();
    }
  });
});
