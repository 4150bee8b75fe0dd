// What the history store's test files share: a job record, a keyset walk over every page, and the
// stores a test opens (closed after it) with a writer counting its outcomes.
import { afterEach } from 'vitest';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { factsOf } from '../../src/datasources/registry.ts';
import { openHistoryDatabase, type HistoryDatabase } from '../../src/history/database.ts';
import { HistoryReader, type HistoryFilter } from '../../src/history/reader.ts';
import { HistoryWriter, type WriteOutcome } from '../../src/history/writer.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { withoutSecrets } from './retainedRecords.ts';

export const job = (id: string, over: Partial<Record<string, unknown>> = {}): JobRecord =>
  ({
    id,
    provider: 'AWS_BATCH',
    nativeId: id,
    region: 'us-east-1',
    state: 'RUNNING',
    providerStatus: 'RUNNING',
    statusMessage: null,
    terminal: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: null,
    completedAt: null,
    ...over,
  }) as unknown as JobRecord;

/** The IDs of every page of `filter`, `size` a page, with `between(page)` run after each page. */
export async function everyPage(
  reader: HistoryReader,
  filter: HistoryFilter,
  size: number,
  between: (page: number) => Promise<void> = async () => undefined,
): Promise<string[]> {
  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; ; page++) {
    const p = await reader.search(filter, size, after, '*');
    seen.push(...p.edges.map((e) => e.node.id));
    await between(page);
    if (!p.pageInfo.hasNextPage) return seen;
    after = p.pageInfo.endCursor;
  }
}

/** Opens stores of one kind for a describe block, closing each after its test. */
export function historyStoreOpener(fresh: () => Promise<HistoryStoreConfig>) {
  const open: HistoryDatabase[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
  });
  const start = async (config?: HistoryStoreConfig) => {
    const db = (await openHistoryDatabase(config ?? (await fresh())))!;
    open.push(db);
    return db;
  };
  const writerOf = (db: HistoryDatabase, counts: Record<string, number> = {}, maxQueue = 100) =>
    new HistoryWriter(db, {
      factsOf,
      withoutSecrets,
      maxQueue,
      count: (o: WriteOutcome, n) => (counts[o] = (counts[o] ?? 0) + n),
    });

  /**
   * A store opened (`start`: `config`'s, else a fresh one), a writer of it (`writerOf`, queueing `maxQueue`) counting its
   * outcomes in `counts`, and its reader.
   */
  const started = async ({
    maxQueue,
    config,
  }: { maxQueue?: number; config?: HistoryStoreConfig } = {}) => {
    const db = await start(config);
    const counts: Record<string, number> = {};
    return { db, counts, writer: writerOf(db, counts, maxQueue), reader: new HistoryReader(db) };
  };

  return { open, start, writerOf, started };
}
