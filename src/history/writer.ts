/**
 * The write side of the history store: `record(change)` is what the job-state store's subscriber
 * calls for each applied change. It never waits: changes wait in a bounded queue and are written
 * in batches (group commit), each within `flushMs` of being recorded; a full queue drops the
 * change and counts it. PostgreSQL writes two batches at once (lanes by job ID), SQLite one. Every
 * text value is made storable on its way in (storableText.ts); a batch the database refuses anyway
 * is written again job by job, so a job the database will not take fails alone (counted). A
 * failing database (PostgreSQL gone) marks the store degraded, drops and counts the batch, and
 * never throws to the caller.
 */
import { isTerminalState, type JobRecord, type JobState } from '../model/job.ts';
import { BatchStatements } from './batchStatements.ts';
import { writePartByPart } from './rowByRow.ts';
import {
  STATUS_TEXT_MAX_CHARS,
  storableJson,
  storableOrNull,
  storableText,
} from './storableText.ts';
import { sql, type Kysely } from 'kysely';
import type { HistoryDatabase, HistoryTables, JobRow, TransitionRow } from './database.ts';

export type HistorySource = 'READ' | 'EVENT' | 'LIST';

/** One applied change of a job, as the job-state store tells its subscribers. */
export interface HistoryChange {
  readonly record: JobRecord;
  readonly from: string | null;
  readonly to: string;
  readonly providerStatus: string | null;
  /** ISO time of the observation. */
  readonly at: string;
  readonly source: HistorySource;
  readonly eventId?: string;
  readonly account: string;
  /** false: the job's row only (its record became whole, its state did not change). */
  readonly transition?: false;
  /**
   * A provider read that shows another state than the events last told: the job's event
   * transitions since its last read are marked contradicted (at this change's time).
   */
  readonly contradicts?: true;
}

export type WriteOutcome = 'written' | 'dropped' | 'failed';

export interface HistoryWriterOptions {
  /** The record without its secrets (createSecretStripper); null: the record is not written. */
  withoutSecrets: (record: JobRecord) => JobRecord | null;
  /** Counts each change by outcome (`jobgraph_history_writes_total`). */
  count?: (outcome: WriteOutcome, n: number) => void;
  maxQueue?: number;
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
   * caused them, or neither does (notifications/notifier.ts). Its failure fails the batch.
   */
  inBatch?: (
    tx: Kysely<HistoryTables>,
    transitions: readonly TransitionRow[],
    jobs: readonly JobRow[],
  ) => Promise<void>;
}

/**
 * The most changes one batch writes: 13 parameters a job row keeps a statement under SQLite's
 * 32,766 bound on parameters (and PostgreSQL's 65,535).
 */
export const MAX_BATCH = 2000;

/**
 * How many batches PostgreSQL writes at once, each in its own transaction on its own pooled
 * connection: a job's changes always go to the same lane (by its ID), so they stay in order, and
 * one lane's batch is built and sent while the other's executes (bench/HISTORY.md). SQLite has one
 * writer, so it has one lane.
 */
const PG_LANES = 2;

/** What every lane of a writer shares. */
interface Shared {
  readonly db: HistoryDatabase;
  readonly statements: BatchStatements;
  readonly options: Required<Omit<HistoryWriterOptions, 'onHealth' | 'inBatch'>> &
    Pick<HistoryWriterOptions, 'inBatch'>;
  /** A batch was written (null) or failed (its reason). */
  readonly health: (reason: string | null) => void;
}

export class HistoryWriter {
  readonly #options: Required<Omit<HistoryWriterOptions, 'onHealth' | 'inBatch'>> &
    Pick<HistoryWriterOptions, 'onHealth' | 'inBatch'>;
  readonly #lanes: Lane[];
  #degraded: string | null = null;
  #closed = false;

  constructor(db: HistoryDatabase, options: HistoryWriterOptions) {
    this.#options = {
      count: () => undefined,
      onRefused: () => undefined,
      maxQueue: 10_000,
      // A batch a second, or sooner at 2,000 changes: a job's ID is random, so each job written
      // dirties a leaf of the ID index, and a larger batch shares those pages among more jobs
      // (against batches of 200: bench/HISTORY.md, Decisions).
      batchSize: MAX_BATCH,
      ...options,
      flushMs: Math.min(options.flushMs ?? 1000, 1000),
    };
    const shared: Shared = {
      db,
      statements: new BatchStatements(db.db, db.dialect === 'sqlite'),
      options: this.#options,
      health: (reason) => {
        if (reason === this.#degraded) return;
        if (reason === null || this.#degraded === null)
          this.#options.onHealth?.(reason !== null, reason);
        this.#degraded = reason;
      },
    };
    const lanes = db.dialect === 'sqlite' ? 1 : PG_LANES;
    this.#lanes = Array.from({ length: lanes }, () => new Lane(shared));
  }

  /** Why writes fail now, or null when they succeed. */
  get degraded(): string | null {
    return this.#degraded;
  }

  get queued(): number {
    let n = 0;
    for (const lane of this.#lanes) n += lane.queued;
    return n;
  }

  /** Queue one change; never waits, never throws. */
  record(change: HistoryChange): void {
    if (this.#closed || this.queued >= this.#options.maxQueue) {
      this.#options.count('dropped', 1);
      return;
    }
    this.#laneOf(change.record.id).record(change);
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
  #queue: HistoryChange[] = [];
  /** Jobs a read showed again unchanged: their ID, and when (epoch ms). */
  #seen = new Map<string, number>();
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(shared: Shared) {
    this.#shared = shared;
  }

  get queued(): number {
    return this.#queue.length;
  }

  record(change: HistoryChange): void {
    this.#queue.push(change);
    if (this.#queue.length >= this.#shared.options.batchSize) this.#schedule(0);
    else this.#schedule(this.#shared.options.flushMs);
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
      while (this.#queue.length > 0 || this.#seen.size > 0) {
        // A queue that grew while the last batch was written goes out in one larger batch: each
        // batch costs a few round trips (PostgreSQL), which a busy event loop makes slow.
        const batch = this.#queue.splice(0, Math.max(this.#shared.options.batchSize, MAX_BATCH));
        const seen = [...this.#seen].slice(0, MAX_BATCH);
        for (const [id] of seen) this.#seen.delete(id);
        await this.#write(batch, seen);
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
    changes: readonly HistoryChange[],
    seen: readonly (readonly [string, number])[] = [],
  ): Promise<void> {
    const { options } = this.#shared;
    // The batch's jobs, each once: its latest change's row, its record stripped and serialised
    // once a batch however many changes it had; and every change's transition. Each goes in a
    // few multi-row statements compiled once per size (batchStatements.ts): on PostgreSQL two
    // round trips a batch, not two a change.
    const latest = new Map<string, HistoryChange>();
    for (const change of changes) latest.set(change.record.id, change);
    const jobs: JobRow[] = [];
    for (const [id, change] of latest) {
      const stripped = options.withoutSecrets(change.record);
      if (stripped === null) latest.delete(id);
      else jobs.push(jobRowOf(id, change, stripped));
    }
    const observed: TransitionRow[] = [];
    for (const change of changes) {
      const id = change.record.id;
      if (change.transition !== false && latest.has(id)) observed.push(transitionOf(id, change));
    }
    // Reads that contradict what events told: the job and the read's time (markContradicted).
    const contradictions: (readonly [string, string])[] = [];
    for (const change of changes)
      if (change.contradicts && latest.has(change.record.id))
        contradictions.push([storableText(change.record.id), change.at]);
    if (jobs.length === 0 && seen.length === 0) {
      options.count('written', changes.length);
      this.#shared.health(null);
      return;
    }
    try {
      await this.#commit(jobs, observed, seen, contradictions);
      options.count('written', changes.length);
      this.#shared.health(null);
    } catch (e) {
      await this.#jobByJob(changes, jobs, observed, seen, contradictions, e);
    }
  }

  /**
   * `jobs`, their transitions, the marks of event transitions reads contradicted (`contradictions`:
   * each job and the read's time) and the jobs `seen` again, in one transaction.
   */
  async #commit(
    jobs: readonly JobRow[],
    observed: readonly TransitionRow[],
    seen: readonly (readonly [string, number])[],
    contradictions: readonly (readonly [string, string])[] = [],
  ): Promise<void> {
    const { db, statements, options } = this.#shared;
    await writeTransaction(db, async (tx) => {
      const transitions = await placed(tx, db.dialect, observed);
      for (const query of statements.queries(jobs, transitions)) {
        await tx.executeQuery(query);
        // node:sqlite runs a statement on this thread: between a batch's statements (at most
        // 256 rows each) the event loop serves requests, so a batch of 2,000 does not hold it
        // for the whole write. Not when a batch's worth is already queued behind this one: each
        // turn given away then is a turn of new changes, and a writer that yields under a heavy
        // stream of changes falls behind (bench/HISTORY.md).
        if (db.dialect === 'sqlite' && this.#queue.length < options.batchSize)
          await new Promise((r) => setImmediate(r));
      }
      // The notifications this batch's transitions fire: their outbox rows in this transaction.
      if (options.inBatch) await options.inBatch(tx, transitions, jobs);
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
  }

  /**
   * The batch failed (`batchError`): each job written again on its own, its row and its
   * transitions in one transaction, so a row the database refuses costs its own job's changes
   * only (counted failed, told once a batch without the row's content). The store is degraded when
   * the database fails, not a row: it no longer answers, or it refused every job of the batch.
   */
  async #jobByJob(
    changes: readonly HistoryChange[],
    jobs: readonly JobRow[],
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
    for (const change of changes) if (refused.has(storableText(change.record.id))) failed++;
    if (result.down === null && seen.length > 0)
      await this.#commit([], [], seen).catch(() => undefined);
    options.count('written', changes.length - failed);
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
 * Run `fn` in one write transaction. SQLite: `BEGIN IMMEDIATE`, the file's write lock taken first
 * (waiting out another process's batch), so what `placed` reads of the stored jobs is what this
 * transaction writes over; a deferred transaction that read before another process committed
 * could not write at all. PostgreSQL: a transaction, `placed` locking the jobs' rows.
 */
async function writeTransaction(
  db: HistoryDatabase,
  fn: (tx: Kysely<HistoryTables>) => Promise<void>,
): Promise<void> {
  if (db.dialect === 'postgres') return db.db.transaction().execute(fn);
  await db.db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    try {
      await fn(conn);
      await sql`COMMIT`.execute(conn);
    } catch (e) {
      await sql`ROLLBACK`.execute(conn).catch(() => undefined);
      throw e;
    }
  });
}

/**
 * The transitions `observed` as the store has their jobs now: one a job's stored state already
 * is (`to` and provider status) is not written — a process's first sight of a job the store has in
 * that state (after a restart every job is new to the process, not to the history: it would be a
 * second `→ SUCCEEDED` at each restart), or a change another replica sharing the store wrote first
 * — and the others are written from the stored state, each numbered by its place among its job's
 * transitions (`ordinal`, unique per job: two replicas writing the same change at once write one
 * row). PostgreSQL locks the jobs' rows first (in ID order), so a replica's batch reads what the
 * other committed; a job new to both has no row to lock, and its first transition's place decides.
 * One read a batch.
 */
async function placed(
  tx: Kysely<HistoryTables>,
  dialect: HistoryDatabase['dialect'],
  observed: readonly TransitionRow[],
): Promise<TransitionRow[]> {
  const ids = [...new Set(observed.map((t) => t.job_id))];
  const stored = new Map<
    string,
    { state: string; provider_status: string | null; count: number }
  >();
  if (ids.length > 0) {
    if (dialect === 'postgres')
      await tx
        .selectFrom('jobs')
        .select('id')
        .where('id', 'in', ids)
        .orderBy('id')
        .forUpdate()
        .execute();
    for (const row of await tx
      .selectFrom('jobs')
      .select((eb) => [
        'id',
        'state',
        'provider_status',
        eb
          .selectFrom('transitions')
          .select((t) => t.fn.countAll<number>().as('n'))
          .whereRef('transitions.job_seq', '=', 'jobs.seq')
          .as('count'),
      ])
      .where('id', 'in', ids)
      .execute())
      stored.set(row.id, {
        state: row.state,
        provider_status: row.provider_status,
        // PostgreSQL answers a count as text.
        count: Number(row.count ?? 0),
      });
  }
  const out: TransitionRow[] = [];
  for (const t of observed) {
    const known = stored.get(t.job_id);
    if (known === undefined) {
      out.push({ ...t, ordinal: 1 });
      stored.set(t.job_id, { state: t.to_state, provider_status: t.provider_status, count: 1 });
    } else if (known.state !== t.to_state || known.provider_status !== t.provider_status) {
      out.push({ ...t, from_state: known.state, ordinal: known.count + 1 });
      // A later change of the batch from the same job follows this one, not the stored state.
      stored.set(t.job_id, {
        state: t.to_state,
        provider_status: t.provider_status,
        count: known.count + 1,
      });
    }
  }
  return out;
}

/**
 * Mark the event transitions of job `id` seen after its last read (or list) transition before
 * `at`, and before `at`, as contradicted at `at`: what a provider read at `at` showed otherwise.
 */
async function markContradicted(tx: Kysely<HistoryTables>, id: string, at: string): Promise<void> {
  await tx
    .updateTable('transitions as t')
    .set({ contradicted_at: at })
    .where((eb) =>
      eb.and([
        eb('t.job_seq', '=', eb.selectFrom('jobs').select('jobs.seq').where('jobs.id', '=', id)),
        eb('t.source', '=', 'EVENT'),
        eb('t.contradicted_at', 'is', null),
        eb('t.at', '<', at),
        eb(
          't.at',
          '>',
          eb.fn.coalesce(
            eb
              .selectFrom('transitions as r')
              .select((r) => r.fn.max('r.at').as('last'))
              .whereRef('r.job_seq', '=', 't.job_seq')
              .where('r.source', '<>', 'EVENT')
              .where('r.at', '<', at),
            eb.val(''),
          ),
        ),
      ]),
    )
    .execute();
}

/** A non-empty string field of a record, storable (storableText.ts), else null. */
const text = (v: unknown, maxChars?: number): string | null =>
  typeof v === 'string' && v !== '' ? storableText(v, maxChars) : null;

/**
 * A job's row at `change`: searchable text read from the record's common fields, and the record.
 * Every text value is storable (storableText.ts): a NUL in a status reason cannot fail a batch.
 */
export function jobRowOf(id: string, change: HistoryChange, record: JobRecord): JobRow {
  const r = record as unknown as Record<string, unknown>;
  const createdAt = text(r.createdAt);
  const finishedAt = text(r.finishedAt) ?? text(r.completedAt) ?? text(r.stoppedAt);
  return {
    id: storableText(id),
    provider: storableText(String(r.provider)),
    account: storableText(change.account),
    region: text(r.region),
    state: storableText(change.to),
    provider_status: storableOrNull(change.providerStatus, STATUS_TEXT_MAX_CHARS),
    status_message:
      text(r.statusMessage, STATUS_TEXT_MAX_CHARS) ?? text(r.statusReason, STATUS_TEXT_MAX_CHARS),
    name: text(r.name) ?? text(r.jobName) ?? text(r.description),
    queue: text(r.jobQueue) ?? text(r.queue) ?? text(r.source),
    created_at: createdAt,
    finished_at: finishedAt,
    sort_at: finishedAt ?? createdAt ?? storableText(change.at),
    terminal: isTerminalState(change.to as JobState) ? 1 : 0,
    last_confirmed_at: storableText(change.at),
    record: storableJson(record),
  };
}

/** The transition a change observed, its text storable. */
export const transitionOf = (id: string, change: HistoryChange): TransitionRow => ({
  job_id: storableText(id),
  at: storableText(change.at),
  from_state: storableOrNull(change.from),
  to_state: storableText(change.to),
  provider_status: storableOrNull(change.providerStatus, STATUS_TEXT_MAX_CHARS),
  source: change.source,
  event_id: storableOrNull(change.eventId ?? null),
  // Numbered as it is written (`placed`), among its job's transitions.
  ordinal: null,
});
