import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Config, HistoryStoreConfig } from '../../src/config/types.ts';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { openHistory } from '../../src/history/index.ts';
import { withoutSecrets } from '../support/retainedRecords.ts';
import { factsOf } from '../../src/datasources/registry.ts';
import { historyStores } from '../support/historyStores.ts';

// The SQLite history file (issue #72): what jobgraph does with a file it cannot use, how it
// opens one it can, and a default data folder that cannot be written. Both stores' shared
// behaviour is in historyStore.test.ts.

const kinds = historyStores();
const DATABASE_MODULE = new URL('../../src/history/database.ts', import.meta.url).pathname;

describe('The SQLite history store', () => {
  it('refuses a corrupt file in one line, without writing to it', async () => {
    const { path } = (await kinds[0]!.fresh()) as { path: string };
    const bytes = Buffer.from('not a database, but somebody\u2019s file '.repeat(200));
    writeFileSync(path, bytes);
    const opened = openHistoryDatabase({ kind: 'sqlite', path, dataDir: null, implicit: false });
    await expect(opened).rejects.toThrow(/^JOBGRAPH_HISTORY_URL: sqlite:.* cannot be used \(.*\)$/);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('opens a file another process is writing to without waiting for its write lock, and reads it', async () => {
    // Another connection holds the write lock (as a replica's writer does mid-batch): opening the
    // file only reads it, so it neither waits for the lock nor fails with "database is locked".
    const store = await kinds[0]!.fresh();
    const first = (await openHistoryDatabase(store))!;
    await first.close();
    const { DatabaseSync } = await import('node:sqlite');
    const writer = new DatabaseSync((store as { path: string }).path);
    writer.exec('BEGIN IMMEDIATE');
    writer.exec("INSERT INTO jobgraph_schema (version, applied_at) VALUES (-1, 'held')");
    try {
      const second = (await openHistoryDatabase(store))!;
      try {
        const { rows } = await sql<{ n: number }>`SELECT count(*) AS n FROM jobs`.execute(
          second.db,
        );
        expect(rows).toEqual([{ n: 0 }]);
        const { rows: vacuum } = await sql<{ auto_vacuum: number }>`PRAGMA auto_vacuum`.execute(
          second.db,
        );
        expect(vacuum).toEqual([{ auto_vacuum: 2 }]); // the file keeps the shape it was made with
      } finally {
        await second.close();
      }
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
  });

  it("names the file system's refusal when a new file's first migration cannot be written, not the rollback after it", async () => {
    // A full disk or a file-size limit fails the migration's COMMIT, and SQLite rolls the
    // transaction back itself: the ROLLBACK after it used to fail too ("no transaction is
    // active") and its message replaced the one an operator needed. A child process with a
    // 256 KiB file-size limit (SIGXFSZ ignored, so write(2) answers EFBIG) opens a new file.
    const { path } = (await kinds[0]!.fresh()) as { path: string };
    const open = `import { openHistoryDatabase } from ${JSON.stringify(DATABASE_MODULE)};
      await openHistoryDatabase({ kind: 'sqlite', path: ${JSON.stringify(path)}, dataDir: null, implicit: false })
        .then(() => console.log('opened'), (e) => console.log(e.message));`;
    const limited = `trap '' XFSZ; ulimit -f 256; exec "$@"`;
    const node = [process.execPath, '--import', 'tsx', '--input-type=module', '-e', open];
    const said = execFileSync('bash', ['-c', limited, 'bash', ...node], { encoding: 'utf8' });
    expect(said.trim()).toMatch(
      /^JOBGRAPH_HISTORY_URL: sqlite:.* cannot be used \(ERR_SQLITE_ERROR: disk I\/O error\)$/,
    );
  });

  it("keeps a batch's statement journal in memory, not in a temporary file", async () => {
    // Each multi-row statement of a batch runs inside its transaction, so SQLite journals the
    // pages it changes: in a temporary file, a 32 KiB write(2) a page, unless temp_store is MEMORY.
    const db = (await openHistoryDatabase(await kinds[0]!.fresh()))!;
    try {
      const { rows } = await sql<{ temp_store: number }>`PRAGMA temp_store`.execute(db.db);
      expect(rows).toEqual([{ temp_store: 2 }]); // 2: MEMORY
    } finally {
      await db.close();
    }
  });
});

describe('The default place of the history (JOBGRAPH_DATA_DIR and JOBGRAPH_HISTORY_URL unset)', () => {
  /** A data folder that cannot be made: under a file (root may write anywhere, so not by permissions). */
  const unwritable = async () => {
    const dir = ((await kinds[0]!.fresh()) as { dataDir: string }).dataDir;
    writeFileSync(join(dir, 'a-file'), 'x');
    const dataDir = join(dir, 'a-file', 'jobgraph-data');
    return { kind: 'sqlite' as const, path: join(dataDir, 'history.sqlite'), dataDir };
  };
  const configOf = (store: HistoryStoreConfig) =>
    ({ history: { store, retainDays: 400 }, listing: { cursorSecret: null } }) as Config;

  it('runs without history when nobody chose the place and it cannot be written (a read-only container), and says so once', async () => {
    const lines: string[] = [];
    const logger = { warn: (_f: object, m: string) => lines.push(m), info: () => undefined };
    const history = await openHistory(
      configOf({ ...(await unwritable()), implicit: true }),
      { withoutSecrets, factsOf },
      logger,
    );
    expect(history).toBeNull();
    expect(lines).toEqual([expect.stringMatching(/default data folder cannot be written/)]);
  });

  it('stops the start in one line naming JOBGRAPH_DATA_DIR when the operator named the folder', async () => {
    const logger = { warn: () => undefined, info: () => undefined };
    await expect(
      openHistory(
        configOf({ ...(await unwritable()), implicit: false }),
        { withoutSecrets, factsOf },
        logger,
      ),
    ).rejects.toThrow(/^JOBGRAPH_DATA_DIR: .* cannot be written \(/);
  });
});
