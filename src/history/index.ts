/**
 * The history store as the gateway holds it: the database, its writer and reader, the periodic
 * pruning, and its health for /readyz. Opened at start (a store that cannot be used stops the
 * start in one line), closed at shutdown after the queued writes are flushed.
 */
import type { Config } from '../config/types.ts';
import type { JobRecord } from '../model/job.ts';
import { DataDirUnwritable, openHistoryDatabase, type HistoryDatabase } from './database.ts';
import { HistoryReader } from './reader.ts';
import { HistoryWriter, type HistoryWriterOptions, type WriteOutcome } from './writer.ts';
import { sealedHistoryCursors } from './requestHistory.ts';

export { HistoryReader, historyGrantOf, type HistoryGrant, type HistoryFilter } from './reader.ts';
export { HistoryWriter, type HistoryChange, type HistorySource } from './writer.ts';
export { historySubscriber } from './subscriber.ts';
export { rememberedJobs } from './remembered.ts';

/** How often old jobs are pruned while the gateway runs. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/**
 * The longest a history read waits for this process's queued changes to be written first: the
 * group commit's own bound, so a store that is slow or gone delays a read no more than that.
 */
const SETTLE_WAIT_MS = 1000;

export interface HistoryLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export interface History {
  readonly database: HistoryDatabase;
  readonly writer: HistoryWriter;
  readonly reader: HistoryReader;
  /** Where history is kept (never a password). */
  readonly where: string;
  /** Resolves once the changes recorded so far are written, or after SETTLE_WAIT_MS. */
  settled(): Promise<void>;
  /** /readyz's `history`: where, and whether writes succeed now. */
  health(): { where: string; state: 'ok' | 'degraded'; reason?: string; queued: number };
  close(): Promise<void>;
}

export async function openHistory(
  config: Config,
  withoutSecrets: (record: JobRecord) => JobRecord | null,
  logger: HistoryLogger,
  count?: (outcome: WriteOutcome, n: number) => void,
  more: Pick<HistoryWriterOptions, 'inBatch'> = {},
): Promise<History | null> {
  const { store } = config.history;
  let database;
  try {
    database = await openHistoryDatabase(store);
  } catch (err) {
    // Nobody chose the place (the default folder beside the working folder), and it cannot be
    // written — a container's read-only file system: run without history and say so, rather
    // than refuse to start. A folder or file the operator named stops the start.
    if (!(err instanceof DataDirUnwritable && store.kind === 'sqlite' && store.implicit)) throw err;
    logger.warn(
      { history: 'off', reason: err.message },
      'history: the default data folder cannot be written; set JOBGRAPH_DATA_DIR to a writable folder (a volume) or JOBGRAPH_HISTORY_URL; nothing is remembered meanwhile',
    );
    return null;
  }
  if (database === null) return null;
  const writer = new HistoryWriter(database, {
    withoutSecrets,
    ...(count ? { count } : {}),
    ...more,
    onHealth: (degraded, reason) =>
      degraded
        ? logger.warn(
            { history: database.where, reason },
            'history writes are failing; changes are dropped and counted',
          )
        : logger.info({ history: database.where }, 'history writes succeed again'),
  });
  const reader = new HistoryReader(database, sealedHistoryCursors(config.listing.cursorSecret));
  const prune = () =>
    void reader
      .prune(config.history.retainDays)
      .catch((e: unknown) =>
        logger.warn(
          { history: database.where, reason: (e as { code?: string }).code ?? 'prune failed' },
          'history pruning failed; it is tried again later',
        ),
      );
  // Pruning waits for its hour, and never keeps the process alive.
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();
  return {
    database,
    writer,
    reader,
    where: database.where,
    settled: () => settled(writer),
    health: () => {
      const reason = writer.degraded;
      return {
        where: database.where,
        state: reason === null ? 'ok' : 'degraded',
        ...(reason === null ? {} : { reason }),
        queued: writer.queued,
      };
    },
    close: async () => {
      clearInterval(timer);
      await writer.close();
      await database.close();
    },
  };
}

/**
 * `writer`'s queued changes written now, not at the group commit's second, waited for at most
 * SETTLE_WAIT_MS: what a history read waits for (a failing write is counted by the writer).
 */
async function settled(writer: HistoryWriter): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const waited = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, SETTLE_WAIT_MS);
    timer.unref();
  });
  await Promise.race([writer.flush(), waited]);
  clearTimeout(timer);
}
