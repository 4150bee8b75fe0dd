import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type CompiledQuery } from 'kysely';
import { afterAll, afterEach, describe, expect } from 'vitest';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { openHistoryDatabase, type HistoryDatabase } from '../../src/history/database.ts';
import type { HistoryChange } from '../../src/history/writer.ts';
import { isTerminalState, type JobRecord, type JobState } from '../../src/model/job.ts';
import { usePostgres } from './usePostgres.ts';

export interface HistoryStoreKind {
  name: string;
  skip: boolean;
  /** A fresh, empty store of this kind. */
  fresh: () => Promise<HistoryStoreConfig>;
}

/**
 * The change the history writer is given for `record` read for the first time, as a query's read
 * would give it (the default account, at a fixed time); `over` sets what a test is about.
 */
export const readChange = (
  record: JobRecord,
  over: Partial<HistoryChange> = {},
): HistoryChange => ({
  record,
  from: null,
  to: record.state,
  providerStatus: record.providerStatus,
  at: '2026-01-01T00:00:01.000Z',
  source: 'READ',
  account: 'default',
  ...over,
});

/**
 * A thin AWS Batch record as the history writer stores one: `id` its ID and native ID, in
 * `state` (its provider status too), terminal as the state is, created 2026-01-01; `over` sets
 * what a test is about.
 */
export const historyBatchRecord = (
  id: string,
  state: string,
  over: Record<string, unknown> = {},
): JobRecord =>
  ({
    id,
    provider: 'AWS_BATCH',
    nativeId: id,
    region: 'us-east-1',
    state,
    providerStatus: state,
    terminal: isTerminalState(state as JobState),
    createdAt: '2026-01-01T00:00:00.000Z',
    ...over,
  }) as unknown as JobRecord;

/**
 * Opens a history database that is closed after the test that opened it (an afterEach of the
 * describe block this is called in).
 */
export function closedAfterEach(): (
  store: HistoryStoreConfig | Promise<HistoryStoreConfig>,
) => Promise<HistoryDatabase> {
  const open: HistoryDatabase[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
  });
  return async (store) => {
    const db = (await openHistoryDatabase(await store))!;
    open.push(db);
    return db;
  };
}

/**
 * A `describe` block on each of `kinds` (`title`'s `$name` its name; skipped where it is): its tests
 * call `open()` for a fresh, empty store of that kind, closed after the test (closedAfterEach).
 */
export function describeOnStores(
  title: string,
  kinds: HistoryStoreKind[],
  body: (open: () => Promise<HistoryDatabase>) => void,
): void {
  for (const { name, skip, fresh } of kinds)
    describe.skipIf(skip)(title.replace('$name', name), () => {
      const opened = closedAfterEach();
      body(() => opened(fresh()));
    });
}

/** Another client's (PostgreSQL's) lock on the `jobs` table against writes (reads go on), until `release`. */
export async function lockJobs(db: HistoryDatabase): Promise<{ release: () => Promise<void> }> {
  let release!: () => void;
  let locked!: () => void;
  const isLocked = new Promise<void>((r) => (locked = r));
  const holding = db.db.transaction().execute(async (tx) => {
    await sql`LOCK TABLE jobs IN EXCLUSIVE MODE`.execute(tx);
    locked();
    await new Promise<void>((r) => (release = r));
  });
  await isLocked;
  return {
    release: async () => {
      release();
      await holding;
    },
  };
}

/** JOBGRAPH_HISTORY_URL naming `store`. */
/** `db` whose searches are recorded, in the order the reader hands them to the store. */
export function recordingSearches(db: HistoryDatabase): {
  store: HistoryDatabase;
  asked: CompiledQuery[];
} {
  const asked: CompiledQuery[] = [];
  const store: HistoryDatabase = {
    ...db,
    search: (query) => {
      asked.push(query);
      return db.search(query);
    },
  };
  return { store, asked };
}

export const historyUrlOf = (store: HistoryStoreConfig): string =>
  store.kind === 'sqlite' ? `sqlite:${store.path}` : store.kind === 'postgres' ? store.url : 'off';

/**
 * The two kinds of history store a test file runs on, each fresh per call: a new SQLite file in
 * a temporary folder (removed after the file), or a new database on the file's throwaway
 * PostgreSQL server (usePostgres: skipped with one line where Debian's postgresql is missing).
 */
export function historyStores(): HistoryStoreKind[] {
  const pg = usePostgres();
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  return [
    {
      name: 'SQLite file',
      skip: false,
      fresh: async () => {
        const dir = mkdtempSync(join(tmpdir(), 'jobgraph-history-'));
        dirs.push(dir);
        return { kind: 'sqlite', path: join(dir, 'h.sqlite'), dataDir: dir, implicit: false };
      },
    },
    {
      name: 'PostgreSQL server',
      skip: pg.skip,
      fresh: async () => {
        const name = `h${Math.random().toString(36).slice(2, 10)}`;
        const admin = await openHistoryDatabase({ kind: 'postgres', url: pg.server().url });
        await sql.raw(`CREATE DATABASE ${name}`).execute(admin!.db);
        await admin!.close();
        const url = pg.server().url.replace(/\/postgres$/, `/${name}`);
        // Never beyond loopback.
        expect(new URL(url).hostname).toBe('127.0.0.1');
        return { kind: 'postgres', url };
      },
    },
  ];
}
