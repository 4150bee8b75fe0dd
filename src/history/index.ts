/**
 * The history store as the gateway holds it: the database, its writer and reader, the periodic
 * pruning, and its health for /readyz. Opened at start (a store that cannot be used stops the
 * start in one line), closed at shutdown after the queued writes are flushed.
 */
import type { Config } from '../config/types.ts';
import { HistoryBudget, reclaimSpace, type BudgetLogger, type BudgetView } from './budget.ts';
import { DataDirUnwritable, openHistoryDatabase, type HistoryDatabase } from './database.ts';
import { HistoryReader } from './reader.ts';
import { HistoryWriter, type HistoryWriterOptions, type WriteOutcome } from './writer.ts';
import { sealedHistoryCursors } from './requestHistory.ts';
import { storeIdentity } from './storeIdentity.ts';
import { SEARCHES_PER_CALLER, SearchSlots } from './searchSlots.ts';
import { WriterBoundSignal } from './writerBound.ts';

export { historySubscriber } from './subscriber.ts';
export { retainedJobs } from './retained.ts';
export type { WriterBound } from './writerBound.ts';

/** How often old jobs are pruned while the gateway runs. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

/** How often the store's size is measured against JOBGRAPH_HISTORY_MAX_BYTES (budget.ts). */
const MEASURE_EVERY_MS = 60 * 1000;

/**
 * The longest a history read waits for this process's queued changes to be written first: the
 * group commit's own bound, so a store that is slow or gone delays a read no more than that.
 */
const SETTLE_WAIT_MS = 1000;

/** What the history logs through: its budget's warnings and notes. */
export type HistoryLogger = BudgetLogger;

export interface History {
  readonly database: HistoryDatabase;
  readonly writer: HistoryWriter;
  readonly reader: HistoryReader;
  /**
   * The writer's bound as the producers of changes see it (writerBound.ts): the event queues stop
   * receiving and the watches' background reads wait while it is over.
   */
  readonly bound: WriterBoundSignal;
  /** The `jobHistory` searches each caller may have running at once (SEARCHES_PER_CALLER). */
  readonly searchSlots: SearchSlots;
  /** Where history is kept (never a password). */
  readonly where: string;
  /** Resolves once the changes recorded so far are written, or after SETTLE_WAIT_MS. */
  settled(): Promise<void>;
  /**
   * /readyz's `history`: where, whether writes succeed now, and the size budget at its last
   * measure (`budget`: `near` at 90 %, `over` at the budget).
   */
  health(): {
    where: string;
    state: 'ok' | 'degraded';
    reason?: string;
    queued: number;
    /** The writer's lag: the age of the oldest change not yet written, seconds (0: none waits). */
    lagSeconds: number;
    /** Present when more jobs wait than the writer's bound (writer.ts `onOverBound`). */
    overBound?: true;
    /** Background reads deferred while over it, since start (present once one was). */
    deferredReads?: number;
  } & Partial<BudgetView>;
  /**
   * What the `jobgraph_history_*` gauges read: the store's size, budget and oldest job at the last
   * measure (absent before it), and the writer's lag now, seconds.
   */
  size(): Partial<BudgetView> & { lagSeconds: number; deferredReads: number };
  /** Measure the store now against its budget (pruning at it); what the minute's timer runs. */
  measure(): Promise<void>;
  close(): Promise<void>;
}

/** The store opened (`openHistoryStore`) and the history made on it (`historyOn`), in one. */
export async function openHistory(
  config: Config,
  records: Pick<HistoryWriterOptions, 'withoutSecrets' | 'factsOf'>,
  logger: HistoryLogger,
  count?: (outcome: WriteOutcome, n: number) => void,
  more: HistoryWriterParts = {},
): Promise<History | null> {
  const database = await openHistoryStore(config, logger);
  if (database === null) return null;
  return historyOn(database, config, records, logger, count, more);
}

/**
 * What the writer is given from outside the history at construction: the batch hook (its type
 * declared in batchHook.ts; the notifier's, made from the database before the writer), a
 * failed job's category, and (tests) a bound on what waits other than the default.
 */
export type HistoryWriterParts = Pick<
  HistoryWriterOptions,
  'inBatch' | 'failureCategoryOf' | 'maxQueue'
>;

/**
 * The history on an opened store (`openHistoryStore`): its writer (given `more`), reader,
 * upkeep and health. Parts that need only the database (the notifier's batch hook) are made
 * between the two.
 */
export async function historyOn(
  database: HistoryDatabase,
  config: Config,
  records: Pick<HistoryWriterOptions, 'withoutSecrets' | 'factsOf'>,
  logger: HistoryLogger,
  count?: (outcome: WriteOutcome, n: number) => void,
  more: HistoryWriterParts = {},
): Promise<History> {
  const bound = new WriterBoundSignal();
  const writer = historyWriter(database, logger, bound, {
    ...records,
    ...(count ? { count } : {}),
    ...more,
  });
  // A cursor names its store: another store's (a replica on its own file) is refused in words.
  const identity = await storeIdentity(database.db);
  const reader = new HistoryReader(
    database,
    sealedHistoryCursors(config.listing.cursorSecret, identity),
  );
  const upkeep = startUpkeep(database, reader, config, logger);
  return {
    database,
    writer,
    reader,
    bound,
    searchSlots: new SearchSlots(SEARCHES_PER_CALLER),
    where: database.where,
    settled: () => settled(writer),
    health: () => {
      const reason = writer.degraded;
      return {
        where: database.where,
        state: reason === null ? 'ok' : 'degraded',
        ...(reason === null ? {} : { reason }),
        queued: writer.queued,
        lagSeconds: writer.lagSeconds,
        ...(writer.overBound ? { overBound: true as const } : {}),
        ...(bound.deferredReads > 0 ? { deferredReads: bound.deferredReads } : {}),
        ...upkeep.view(),
      };
    },
    size: () => ({
      ...upkeep.view(),
      lagSeconds: writer.lagSeconds,
      deferredReads: bound.deferredReads,
    }),
    measure: () => upkeep.measure(),
    close: async () => {
      await upkeep.stop();
      await writer.close();
      await database.close();
    },
  };
}

/**
 * The store `config` names, opened (migrated); null when history is off, or when the default place
 * nobody chose cannot be written (said in one warn line).
 */
export async function openHistoryStore(
  config: Config,
  logger: HistoryLogger,
): Promise<HistoryDatabase | null> {
  const { store } = config.history;
  try {
    return await openHistoryDatabase(store, { searchTimeoutMs: config.history.searchTimeoutMs });
  } catch (err) {
    // Nobody chose the place (the default folder beside the working folder), and it cannot be
    // written — a container's read-only file system: run without history and say so, rather
    // than refuse to start. A folder or file the operator named stops the start.
    if (!(err instanceof DataDirUnwritable && err.nobodyChose)) throw err;
    logger.warn(
      { history: 'off', reason: err.message },
      'history: the default data folder cannot be written; set JOBGRAPH_DATA_DIR to a writable folder (a volume) or JOBGRAPH_HISTORY_URL; nothing is remembered meanwhile',
    );
    return null;
  }
}

/**
 * The store's writer, telling `logger` when writes fail, rows are refused, or it is far behind,
 * and `bound` (the producers) when it is over its bound and when it fits again.
 */
function historyWriter(
  database: HistoryDatabase,
  logger: HistoryLogger,
  bound: WriterBoundSignal,
  options: Pick<
    HistoryWriterOptions,
    'withoutSecrets' | 'factsOf' | 'count' | 'inBatch' | 'maxQueue' | 'failureCategoryOf'
  >,
): HistoryWriter {
  const where = database.where;
  return new HistoryWriter(database, {
    ...options,
    onHealth: (degraded, reason) =>
      degraded
        ? logger.warn(
            { history: where, reason },
            'history writes are failing; changes are dropped and counted',
          )
        : logger.info({ history: where }, 'history writes succeed again'),
    // One line a batch, the database's code only: a refused row's text is never logged.
    onRefused: (jobs, code) =>
      logger.warn(
        { history: where, jobs, code },
        'history: the database refused some jobs of a batch; their changes are dropped and counted, the others are written',
      ),
    onOverBound: (over, jobs) => {
      bound.set(over);
      if (over)
        logger.warn(
          { history: where, waitingJobs: jobs },
          'history: more jobs wait to be written than the writer bounds (MAX_QUEUE, 10,000); each is kept (its latest record, its finishing transitions) and written as the store catches up; meanwhile the job event queues stop receiving and background reads wait — see jobgraph_history_lag_seconds',
        );
      else
        logger.info(
          { history: where, waitingJobs: jobs },
          "history: the jobs waiting fit the writer's bound again; the event queues and background reads go on",
        );
    },
  });
}

/**
 * The store's upkeep while the gateway runs: pruning every hour, its size measured now and every
 * minute (a failing measure said once, until one succeeds); neither keeps the process alive.
 */
function startUpkeep(
  database: HistoryDatabase,
  reader: HistoryReader,
  config: Config,
  logger: HistoryLogger,
): { view: () => BudgetView | null; measure: () => Promise<void>; stop: () => Promise<void> } {
  const budget = new HistoryBudget(database, config.history.maxBytes, logger);
  let measureFailed = false;
  const measure = () =>
    budget.check().then(
      () => {
        measureFailed = false;
      },
      (e: unknown) => {
        if (!measureFailed)
          logger.warn(
            { history: database.where, reason: (e as { code?: string }).code ?? 'measure failed' },
            'history: measuring the store failed; it is tried again every minute',
          );
        measureFailed = true;
      },
    );
  const prune = () =>
    void reader
      .prune(config.history.retainDays)
      // Pages the pruned jobs freed go back to the file system (a SQLite file in incremental mode).
      .then(() => reclaimSpace(database))
      .catch((e: unknown) =>
        logger.warn(
          { history: database.where, reason: (e as { code?: string }).code ?? 'prune failed' },
          'history pruning failed; it is tried again later',
        ),
      );
  const timer = setInterval(prune, PRUNE_EVERY_MS);
  timer.unref();
  let measured = measure();
  const measuring = setInterval(() => {
    measured = measure();
  }, MEASURE_EVERY_MS);
  measuring.unref();
  return {
    view: () => budget.view(),
    measure: () => (measured = measure()),
    stop: async () => {
      clearInterval(timer);
      clearInterval(measuring);
      await measured;
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
