/**
 * The write side of the history store: `record(change)` is what the job-state store's subscriber
 * calls for each applied change. It never waits: changes wait keyed by job (waitingChanges.ts) and
 * are written in batches (group commit), each within `flushMs` of being recorded while the store
 * keeps pace. When it does not, what waits is coalesced per job — its latest record, its first
 * transition waiting and every transition into a finished state are kept — never dropped; `lag`
 * says how far behind it is. PostgreSQL writes two batches at once (lanes by job ID), SQLite one.
 * Every text value is made storable on its way in (storableText.ts); a batch the database refuses
 * anyway is written again job by job, so a job the database will not take fails alone (counted). A
 * failing database (PostgreSQL gone) marks the store degraded, drops and counts the batch, and
 * never throws to the caller.
 */
import type { JobFacts } from '../model/facts.ts';
import type { JobRecord } from '../model/job.ts';
import { BatchStatements, type StagedJob } from './batchStatements.ts';
import type { AfterCommit, BatchHook } from './batchHook.ts';
import { markContradicted, placed, writeTransaction } from './placedTransitions.ts';
import { writePartByPart } from './rowByRow.ts';
import { indexNewJobs, newestSeq } from './textIndexUpkeep.ts';
import { storableText } from './storableText.ts';
import type { HistoryChange } from './change.ts';
import { WaitingChanges, type WaitingJob } from './waitingChanges.ts';
import type { HistoryDatabase, TransitionRow } from './database.ts';
import { stagedJobOf, transitionOf } from './changeRows.ts';

export type { HistoryChange, HistorySource } from './change.ts';
export { jobRowOf, transitionOf } from './changeRows.ts';
/**
 * What became of a change: `written` (committed), `coalesced` (a later change of its job waiting
 * with it took its place: the store was behind), `dropped` (recorded after the writer closed),
 * `failed` (the database refused its job, or failed). `over_bound` counts, besides, the changes of
 * jobs admitted while more than `maxQueue` jobs waited (each is written, and counted, later).
 */
export type WriteOutcome = 'written' | 'coalesced' | 'dropped' | 'failed' | 'over_bound';

/**
 * The writer's bound: changes that wait as they came, and jobs that wait (over every lane), before
 * the producers are held back (writerBound.ts). 10,000 is five full batches (MAX_BATCH); past it
 * the event queues pause and background reads wait until the store catches up, so raising it
 * would only hold more in memory, not write faster. Fixed (was JOBGRAPH_HISTORY_MAX_QUEUE).
 */
const MAX_QUEUE = 10_000;

export interface HistoryWriterOptions {
  /** The record without its secrets (createSecretStripper); null: the record is not written. */
  withoutSecrets: (record: JobRecord) => JobRecord | null;
  /**
   * What a record says of its job, by its provider (`Provider.facts`: the registry's `factsOf`,
   * which the history may not import): the name, queue, status message and times its row stores.
   */
  factsOf: (record: JobRecord) => JobFacts;
  /**
   * The failure category of a record (`Job.failure.category`, its provider's rules), stored for
   * the filter and the summaries; absent: none is stored.
   */
  failureCategoryOf?: (record: JobRecord) => string | null;
  /** Counts each change by outcome (`jobgraph_history_writes_total`). */
  count?: (outcome: WriteOutcome, n: number) => void;
  /**
   * Changes that wait as they came, and jobs that wait, default MAX_QUEUE (over every lane): past the
   * first a waiting job's changes are coalesced; past the second the writer is over its bound.
   */
  maxQueue?: number;
  /**
   * Told once when more than `maxQueue` jobs wait (the store far behind: a job not waiting yet is
   * admitted all the same, its latest record never lost) and once when they fit again.
   */
  onOverBound?: (over: boolean, jobs: number) => void;
  /** The clock, epoch ms (the lag); default Date.now. */
  now?: () => number;
  batchSize?: number;
  /** Longest a change waits before its batch is written (at most 1000). */
  flushMs?: number;
  /** Told once when writes start failing and once when they succeed again. */
  onHealth?: (degraded: boolean, reason: string | null) => void;
  /**
   * Told once a batch when the database refused `jobs` of its jobs (each tried on its own) and
   * wrote the rest: the first refusal's code, never the rows' content.
   */
  onRefused?: (jobs: number, code: string) => void;
  /**
   * Called inside each batch's transaction once its jobs and transitions are written, with them:
   * the notifications' outbox rows are inserted here, so they commit with the transitions that
   * caused them, or neither does (notifications/notifier.ts). Its failure fails the batch. What it
   * answers is called once the transaction has committed (the outbox told to deliver): never
   * before, when another connection could not yet see the rows.
   */
  inBatch?: BatchHook;
}

/**
 * The most changes one batch writes: 13 parameters a job row keeps a statement under SQLite's
 * 32,766 bound on parameters (and PostgreSQL's 65,535).
 */
export const MAX_BATCH = 2000;

/** What every lane of a writer shares. */
interface Shared {
  readonly db: HistoryDatabase;
  readonly statements: BatchStatements;
  readonly options: Options;
  /** A batch was written (null) or failed (its reason). */
  readonly health: (reason: string | null) => void;
  /** A lane's batch ended: whether the writer is still over its bound on waiting jobs. */
  readonly drained: () => void;
}

type Optional = 'onHealth' | 'inBatch' | 'onOverBound' | 'failureCategoryOf';
type Options = Required<Omit<HistoryWriterOptions, Optional>> &
  Pick<HistoryWriterOptions, Optional>;

export class HistoryWriter {
  readonly #options: Options;
  readonly #lanes: Lane[];
  #degraded: string | null = null;
  #closed = false;
  #overBound = false;

  constructor(db: HistoryDatabase, options: HistoryWriterOptions) {
    this.#options = {
      count: () => undefined,
      onRefused: () => undefined,
      maxQueue: MAX_QUEUE,
      // A batch a second, or sooner at 2,000 changes: a job's ID is random, so each job written
      // dirties a leaf of the ID index, and a larger batch shares those pages among more jobs
      // (against batches of 200: bench/HISTORY.md, Decisions).
      batchSize: MAX_BATCH,
      now: Date.now,
      ...options,
      flushMs: Math.min(options.flushMs ?? 1000, 1000),
    };
    const shared: Shared = {
      db,
      statements: new BatchStatements(db.db, db.dialect.chunkedWrites),
      options: this.#options,
      health: (reason) => {
        if (reason === this.#degraded) return;
        if (reason === null || this.#degraded === null)
          this.#options.onHealth?.(reason !== null, reason);
        this.#degraded = reason;
      },
      drained: () => this.#checkBound(),
    };
    const lanes = db.dialect.writerLanes;
    const perLane = Math.ceil(this.#options.maxQueue / lanes);
    this.#lanes = Array.from({ length: lanes }, () => new Lane(shared, perLane));
  }

  /** Why writes fail now, or null when they succeed. */
  get degraded(): string | null {
    return this.#degraded;
  }

  /** Changes waiting (coalesced ones not counted). */
  get queued(): number {
    let n = 0;
    for (const lane of this.#lanes) n += lane.queued;
    return n;
  }

  /** Jobs waiting to be written. */
  get waitingJobs(): number {
    let n = 0;
    for (const lane of this.#lanes) n += lane.waitingJobs;
    return n;
  }

  /**
   * How far behind the store is, in seconds: the age of the oldest change recorded and not yet
   * committed (waiting, or in a batch being written); 0 when none is.
   */
  get lagSeconds(): number {
    let oldest = Infinity;
    for (const lane of this.#lanes) oldest = Math.min(oldest, lane.oldestSince);
    return oldest === Infinity ? 0 : Math.max(0, this.#options.now() - oldest) / 1000;
  }

  /** Whether more than `maxQueue` jobs wait (onOverBound). */
  get overBound(): boolean {
    return this.#overBound;
  }

  /** Queue one change; never waits, never throws, never drops it (a closed writer does). */
  record(change: HistoryChange): void {
    if (this.#closed) {
      this.#options.count('dropped', 1);
      return;
    }
    const admitted = this.#laneOf(change.record.id).record(change);
    if (admitted === 'coalesced') this.#options.count('coalesced', 1);
    else if (admitted === 'over') {
      this.#options.count('over_bound', 1);
      if (!this.#overBound) {
        this.#overBound = true;
        this.#options.onOverBound?.(true, this.waitingJobs);
      }
    }
  }

  #checkBound(): void {
    if (!this.#overBound || this.#lanes.some((lane) => lane.overBound)) return;
    this.#overBound = false;
    this.#options.onOverBound?.(false, this.waitingJobs);
  }

  /**
   * A read showed job `id` again, unchanged, at `at` (epoch ms): its `last_confirmed_at` moves to
   * then with the next batch of its lane (after that lane's changes, so never back). Never waits;
   * beyond the queue's bound it is left out (the job's lastConfirmedAt stays a little older), not
   * counted as a change dropped.
   */
  seen(id: string, at: number): void {
    if (this.#closed) return;
    this.#laneOf(id).seen(id, at);
  }

  #laneOf(id: string): Lane {
    const lanes = this.#lanes;
    if (lanes.length === 1) return lanes[0]!;
    let h = 0;
    for (let i = 0; i < id.length; i++) h = (Math.imul(h, 31) + id.charCodeAt(i)) | 0;
    return lanes[(h >>> 0) % lanes.length]!;
  }

  /** Write what is queued now, in batches; resolves once it is durable (or counted as failed). */
  async flush(): Promise<void> {
    await Promise.all(this.#lanes.map((lane) => lane.flush()));
  }

  /** Write what is queued and stop taking changes. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#lanes.map((lane) => lane.close()));
  }
}

/** One writer of batches: its own queue, timer and transaction, one batch at a time. */
class Lane {
  readonly #shared: Shared;
  readonly #waiting: WaitingChanges;
  readonly #maxJobs: number;
  /** Jobs a read showed again unchanged: their ID, and when (epoch ms). */
  #seen = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();
  /** When the oldest change of the batch being written was recorded (epoch ms); Infinity: none. */
  #writingSince = Infinity;

  constructor(shared: Shared, maxQueue: number) {
    this.#shared = shared;
    this.#maxJobs = maxQueue;
    this.#waiting = new WaitingChanges(maxQueue);
  }

  get queued(): number {
    return this.#waiting.size;
  }

  get waitingJobs(): number {
    return this.#waiting.jobs;
  }

  get overBound(): boolean {
    return this.#waiting.jobs > this.#maxJobs;
  }

  /** When the oldest change not yet committed was recorded (epoch ms); Infinity: none. */
  get oldestSince(): number {
    return Math.min(this.#writingSince, this.#waiting.oldestSince ?? Infinity);
  }

  record(change: HistoryChange): ReturnType<WaitingChanges['add']> {
    const admitted = this.#waiting.add(change, this.#shared.options.now());
    if (this.#waiting.size >= this.#shared.options.batchSize) this.#schedule(0);
    else this.#schedule(this.#shared.options.flushMs);
    return admitted;
  }

  seen(id: string, at: number): void {
    if (this.#seen.size >= this.#shared.options.maxQueue && !this.#seen.has(id)) return;
    this.#seen.set(id, Math.max(at, this.#seen.get(id) ?? 0));
    this.#schedule(this.#shared.options.flushMs);
  }

  #schedule(ms: number): void {
    if (this.#timer !== null && ms > 0) return;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, ms);
    this.#timer.unref();
  }

  flush(): Promise<void> {
    this.#writing = this.#writing.then(async () => {
      while (this.#waiting.jobs > 0 || this.#seen.size > 0) {
        // What waited while the last batch was written goes out in one larger batch: each batch
        // costs a few round trips (PostgreSQL), which a busy event loop makes slow.
        const batch = this.#waiting.take(Math.max(this.#shared.options.batchSize, MAX_BATCH));
        const seen = [...this.#seen].slice(0, MAX_BATCH);
        for (const [id] of seen) this.#seen.delete(id);
        // Jobs are taken oldest first: the batch's first is its oldest.
        this.#writingSince = batch[0]?.since ?? Infinity;
        try {
          await this.#write(batch, seen);
        } finally {
          this.#writingSince = Infinity;
        }
        this.#shared.drained();
      }
    });
    return this.#writing;
  }

  async close(): Promise<void> {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  async #write(
    waiting: readonly WaitingJob[],
    seen: readonly (readonly [string, number])[] = [],
  ): Promise<void> {
    const { options } = this.#shared;
    // The batch's jobs, each once: its latest change's row, its record stripped once a batch
    // however many changes it had (and serialised as its statement is bound: StagedJob); and every
    // change's transition. Each goes in a few multi-row statements compiled once per size
    // (batchStatements.ts): on PostgreSQL two round trips a batch, not two a change.
    const jobs: StagedJob[] = [];
    const observed: TransitionRow[] = [];
    // Reads that contradict what events told: the job and the read's time (markContradicted).
    const contradictions: (readonly [string, string])[] = [];
    let recorded = 0;
    for (const job of waiting) {
      recorded += job.recorded;
      const id = job.latest.record.id;
      const stripped = options.withoutSecrets(job.latest.record);
      if (stripped === null) continue;
      const category = options.failureCategoryOf?.(job.latest.record) ?? null;
      jobs.push(stagedJobOf(id, job.latest, stripped, options.factsOf(stripped), category));
      for (const change of job.changes) {
        observed.push(transitionOf(id, change));
        if (change.contradicts) contradictions.push([storableText(id), change.at]);
      }
    }
    if (jobs.length === 0 && seen.length === 0) {
      options.count('written', recorded);
      this.#shared.health(null);
      return;
    }
    try {
      await this.#commit(jobs, observed, seen, contradictions);
      options.count('written', recorded);
      this.#shared.health(null);
    } catch (e) {
      await this.#jobByJob(waiting, jobs, observed, seen, contradictions, e);
    }
  }

  /**
   * `jobs`, their transitions, the marks of event transitions reads contradicted (`contradictions`:
   * each job and the read's time) and the jobs `seen` again, in one transaction.
   */
  async #commit(
    jobs: readonly StagedJob[],
    observed: readonly TransitionRow[],
    seen: readonly (readonly [string, number])[],
    contradictions: readonly (readonly [string, string])[] = [],
  ): Promise<void> {
    const { db, statements, options } = this.#shared;
    // Set inside the transaction's callback, run once it has committed.
    const after: { committed?: AfterCommit | void } = {};
    await writeTransaction(db, async (tx) => {
      // SQLite: the jobs this batch adds are those numbered past the newest one now.
      const dialect = db.dialect;
      const indexAfter =
        dialect.indexesTextAfterBatch && jobs.length > 0 ? await newestSeq(tx) : null;
      const transitions = await placed(tx, dialect, observed, (ids) =>
        statements.storedStates(ids),
      );
      for (const query of statements.queries(inIdOrder(jobs), transitions)) {
        await tx.executeQuery(query);
        // node:sqlite runs a statement on this thread: between a batch's statements (at most
        // 256 rows each) the event loop serves requests, so a batch of 2,000 does not hold it
        // for the whole write. Not when a batch's worth is already queued behind this one: each
        // turn given away then is a turn of new changes, and a writer that yields under a heavy
        // stream of changes falls behind (bench/HISTORY.md).
        if (dialect.writesOnMainThread && this.#waiting.size < options.batchSize)
          await new Promise((r) => setImmediate(r));
      }
      // Their text indexed in one statement: one segment of the text index a batch.
      if (indexAfter !== null) await indexNewJobs(tx, indexAfter);
      // The notifications this batch's transitions fire: their outbox rows in this transaction.
      if (options.inBatch) after.committed = await options.inBatch(tx, transitions, jobs);
      // A read that contradicts what events told: their transitions since the job's last read
      // are marked, in the same transaction as the read's own (rare: a wrong or forged event).
      for (const [id, at] of contradictions) await markContradicted(tx, id, at);
      // The jobs read again unchanged: one statement, at the batch's latest such read (at
      // most the group commit's second later than each), never moving a job's time back.
      if (seen.length > 0) {
        const at = new Date(Math.max(...seen.map(([, t]) => t))).toISOString();
        await tx
          .updateTable('jobs')
          .set({ last_confirmed_at: at })
          .where((eb) =>
            eb.and([
              eb(
                'id',
                'in',
                seen.map(([id]) => storableText(id)),
              ),
              eb('last_confirmed_at', '<', at),
            ]),
          )
          .execute();
      }
    });
    after.committed?.();
  }

  /**
   * The batch failed (`batchError`): each job written again on its own, its row and its
   * transitions in one transaction, so a row the database refuses costs its own job's changes
   * only (counted failed, told once a batch without the row's content). The store is degraded when
   * the database fails, not a row: it no longer answers, or it refused every job of the batch.
   */
  async #jobByJob(
    waiting: readonly WaitingJob[],
    jobs: readonly StagedJob[],
    observed: readonly TransitionRow[],
    seen: readonly (readonly [string, number])[],
    contradictions: readonly (readonly [string, string])[],
    batchError: unknown,
  ): Promise<void> {
    const { db, options } = this.#shared;
    const transitionsOf = new Map<string, TransitionRow[]>();
    for (const t of observed) {
      const of = transitionsOf.get(t.job_id);
      if (of) of.push(t);
      else transitionsOf.set(t.job_id, [t]);
    }
    const result = await writePartByPart(db, jobs, batchError, (job) =>
      this.#commit(
        [job],
        transitionsOf.get(job.id) ?? [],
        [],
        contradictions.filter(([id]) => id === job.id),
      ),
    );
    const refused = new Set(result.refused.map((job) => job.id));
    let failed = 0;
    let recorded = 0;
    for (const job of waiting) {
      recorded += job.recorded;
      if (refused.has(storableText(job.latest.record.id))) failed += job.recorded;
    }
    if (result.down === null && seen.length > 0)
      await this.#commit([], [], seen).catch(() => undefined);
    options.count('written', recorded - failed);
    if (failed > 0) options.count('failed', failed);
    if (result.down !== null) this.#shared.health(result.down);
    else if (jobs.length > 0 && refused.size === jobs.length)
      this.#shared.health(result.code ?? 'write failed');
    else {
      this.#shared.health(null);
      if (refused.size > 0) options.onRefused(refused.size, result.code ?? 'write failed');
    }
  }
}

/**
 * A batch's jobs rows in the order of their IDs, which the upsert then writes them in. A job's ID
 * is random, so each lands on a random leaf of the ID index: in the order they came, each
 * statement of a batch (at most 256 rows on SQLite) touched most of the index's leaves, and SQLite
 * copies every page a statement first changes into its statement journal; in ID order a statement
 * touches its own stretch of the leaves, each leaf is copied about once a batch, and the search
 * for a row's leaf starts where the last row's ended (a fresh job's upsert: docs/history.md).
 * PostgreSQL locks the stored rows in this order too (placedTransitions.ts). `seq` still grows
 * batch by batch; within a batch it follows the IDs.
 */
function inIdOrder(jobs: readonly StagedJob[]): readonly StagedJob[] {
  return jobs.length < 2
    ? jobs
    : [...jobs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
