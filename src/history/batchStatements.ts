/**
 * The writer's two statements (upsert the jobs, insert the transitions), defined once with Kysely
 * and compiled once per row count: a batch reuses the SQL Kysely made for its size and binds its
 * rows' values, where building and compiling the statement for every batch was a large share of
 * the writer's CPU (figures: bench/HISTORY.md, Decisions). SQLite gets its rows in chunks of a few
 * fixed sizes (CHUNKS), so that a handful of statements serve every batch and each is prepared
 * once (database.ts keeps SQLite's prepared statements by their SQL); PostgreSQL gets a batch as
 * one statement of its exact size, each statement a round trip.
 */
import { LRUCache } from 'lru-cache';
import { CompiledQuery, sql, type Kysely, type SqlBool } from 'kysely';
import { storedStates, type StoredState } from './placedTransitions.ts';
import { storableJson } from './storableText.ts';
import type { StagedJob } from './records.ts';
import {
  TRANSITION_FIELDS,
  type HistoryTables,
  type JobRow,
  type TransitionRow,
} from './tables.ts';

export type { StagedJob } from './records.ts';

/** The row sizes SQLite's statements come in, largest first: at most 4 statements a size a batch. */
const CHUNKS = [256, 64, 16, 4, 1] as const;

/** PostgreSQL's compiled statements kept, by row count (the most recently used sizes). */
const MAX_KEPT = 32;

type Row = Record<string, unknown>;

/** A row's value of `column` as bound (a missing one binds null). */
type ValueOf = (row: Row, column: string) => unknown;
const columnOf: ValueOf = (row, column) => row[column] ?? null;
/** A staged job's values: its record serialised here, as its statement is bound. */
const stagedValueOf: ValueOf = (row, column) =>
  column === 'record'
    ? storableJson((row as unknown as StagedJob).stripped)
    : (row[column] ?? null);

/** A compiled statement, and for each of its parameters the row (index) and column it binds. */
interface Shape {
  readonly sql: string;
  readonly slots: readonly (readonly [number, string])[];
}

/** The upsert of jobs rows: a row's every column but its ID is the latest change's. */
export function upsertJobs(db: Kysely<HistoryTables>, rows: readonly JobRow[]) {
  return db
    .insertInto('jobs')
    .values(rows)
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        state: eb.ref('excluded.state'),
        provider_status: eb.ref('excluded.provider_status'),
        status_message: eb.ref('excluded.status_message'),
        name: eb.ref('excluded.name'),
        queue: eb.ref('excluded.queue'),
        region: eb.ref('excluded.region'),
        created_at: eb.ref('excluded.created_at'),
        finished_at: eb.ref('excluded.finished_at'),
        sort_at: eb.ref('excluded.sort_at'),
        terminal: eb.ref('excluded.terminal'),
        last_confirmed_at: eb.ref('excluded.last_confirmed_at'),
        record: eb.ref('excluded.record'),
        failure_category: eb.ref('excluded.failure_category'),
      })),
    );
}

/** The columns of a transitions row in the VALUES list below (SQLite and PostgreSQL name them column1…). */
interface ValuesRow {
  column1: string;
  column2: string;
  column3: string | null;
  column4: string;
  column5: string | null;
  column6: string;
  column7: string | null;
  column8: number | null;
}

/**
 * The insert of transitions rows, each keyed by its job's `seq`: the rows are a VALUES list joined
 * to `jobs` by ID (the jobs upsert before it wrote them), one join for the statement. A `RETURNING
 * seq` of the upsert cost SQLite more than the join, and a subquery a row made PostgreSQL plan one
 * subquery per row of a batch (figures: bench/HISTORY.md, Decisions).
 */
export function insertTransitions(db: Kysely<HistoryTables>, rows: readonly TransitionRow[]) {
  const values = sql<ValuesRow>`(values ${sql.join(
    rows.map(
      (r) =>
        sql`(${r.job_id}, ${r.at}, ${r.from_state}, ${r.to_state}, ${r.provider_status}, ${r.source}, ${r.event_id}, cast(${r.ordinal} as integer))`,
    ),
  )})`;
  return (
    db
      .insertInto('transitions')
      .columns(['job_seq', 'job_id', ...TRANSITION_FIELDS, 'ordinal'])
      .expression(
        db
          .selectFrom(values.as('v'))
          .innerJoin('jobs', 'jobs.id', 'v.column1')
          .select([
            'jobs.seq',
            'v.column1',
            'v.column2',
            'v.column3',
            'v.column4',
            'v.column5',
            'v.column6',
            'v.column7',
            'v.column8',
          ])
          // SQLite reads `ON` after a join's as the join's own: a WHERE ends the SELECT first.
          .where(sql<SqlBool>`1 = 1`),
      )
      // The same change written by another replica first (same job, same place): one row.
      .onConflict((oc) => oc.columns(['job_seq', 'ordinal']).doNothing())
  );
}

/** Every column of a table, checked complete by the compiler (a column left out would not be written). */
const columnsOf = <T>(all: Record<keyof T, true>) => Object.keys(all);
const JOB_COLUMNS = columnsOf<JobRow>({
  id: true,
  provider: true,
  account: true,
  region: true,
  state: true,
  provider_status: true,
  status_message: true,
  name: true,
  queue: true,
  created_at: true,
  finished_at: true,
  sort_at: true,
  terminal: true,
  last_confirmed_at: true,
  failure_category: true,
  record: true,
});
const TRANSITION_COLUMNS = columnsOf<TransitionRow>({
  job_id: true,
  at: true,
  from_state: true,
  to_state: true,
  provider_status: true,
  source: true,
  event_id: true,
  ordinal: true,
});

const MARK = '\u0000jobgraph-slot\u0000';

/**
 * Compile `build` for `n` rows whose every value is a marker naming its row and column, and read
 * the parameters Kysely put in the statement back into slots. Every value is a marker string, so
 * every value is a parameter: none is written into the SQL text.
 */
function shapeOf(
  build: (rows: Row[]) => { compile(): CompiledQuery },
  n: number,
  columns: readonly string[],
): Shape {
  const rows = Array.from({ length: n }, (_, i) =>
    Object.fromEntries(columns.map((c) => [c, `${MARK}${i}\u0000${c}`])),
  );
  const compiled = build(rows).compile();
  const slots = compiled.parameters.map((p) => {
    if (typeof p !== 'string' || !p.startsWith(MARK))
      throw new Error(`history: a parameter of the compiled statement is not a row's value`);
    const [i, column] = p.slice(MARK.length).split('\u0000') as [string, string];
    return [Number(i), column] as const;
  });
  return { sql: compiled.sql, slots };
}

/** `sizes` of `n` rows: CHUNKS' sizes, largest first (SQLite), or `n` whole (PostgreSQL). */
export function chunkSizes(n: number, chunked: boolean): number[] {
  if (!chunked) return n > 0 ? [n] : [];
  const sizes: number[] = [];
  for (const size of CHUNKS) for (; n >= size; n -= size) sizes.push(size);
  return sizes;
}

/**
 * One statement definition compiled once per row count (the `max` most recently used sizes kept) and
 * bound to each call's rows: what Kysely would compile for those rows, without building it again.
 */
export class CompiledShapes {
  readonly #kept: LRUCache<number, Shape>;

  constructor(
    private readonly build: (rows: Row[]) => { compile(): CompiledQuery },
    private readonly columns: readonly string[],
    private readonly max = MAX_KEPT,
    private readonly valueOf: ValueOf = columnOf,
  ) {
    this.#kept = new LRUCache({ max });
  }

  /** The statement for `n` of `rows` from `from` (default: all of them), their values bound. */
  bind(rows: readonly object[], from = 0, n = rows.length - from): CompiledQuery {
    let shape = this.#kept.get(n);
    if (!shape) {
      shape = shapeOf(this.build, n, this.columns);
      this.#kept.set(n, shape);
    }
    const values = rows as Row[];
    const valueOf = this.valueOf;
    return CompiledQuery.raw(
      shape.sql,
      shape.slots.map(([i, c]) => valueOf(values[from + i]!, c)),
    );
  }
}

/**
 * A statement whose only parameters are one `IN` list of IDs, its list padded to a power of two
 * with its last ID (an IN list's repeat changes nothing): compiled once per power (a dozen serve
 * every batch, each prepared once on SQLite), and each call binds its padded IDs as they are, no
 * row object an ID.
 */
export class PaddedIdStatements<R> {
  /** The SQL for a list of 2^k IDs, at k. */
  readonly #sql: string[] = [];

  constructor(
    private readonly build: (ids: readonly string[]) => { compile(): CompiledQuery<R> },
  ) {}

  /** The statement for `ids` (not empty, each once), bound. */
  bind(ids: readonly string[]): CompiledQuery<R> {
    const padded = [...ids];
    const k = Math.ceil(Math.log2(padded.length));
    const last = padded[padded.length - 1]!;
    for (let i = padded.length; i < 2 ** k; i++) padded.push(last);
    return CompiledQuery.raw((this.#sql[k] ??= this.#compiled(padded)), padded);
  }

  /** The SQL `build` makes for `padded`, once it is checked to take `padded` as its parameters, in order. */
  #compiled(padded: readonly string[]): string {
    const compiled = this.build(padded).compile();
    const params = compiled.parameters;
    if (params.length !== padded.length || params.some((p, i) => p !== padded[i]))
      throw new Error('history: a statement of ID lists has parameters other than its IDs');
    return compiled.sql;
  }
}

export class BatchStatements {
  readonly #jobs: CompiledShapes;
  readonly #transitions: CompiledShapes;
  readonly #stored: PaddedIdStatements<StoredState>;

  constructor(
    db: Kysely<HistoryTables>,
    /** SQLite: rows in CHUNKS; PostgreSQL: a batch whole. */
    private readonly chunked: boolean,
  ) {
    this.#jobs = new CompiledShapes(
      (rows) => upsertJobs(db, rows as unknown as JobRow[]),
      JOB_COLUMNS,
      MAX_KEPT,
      stagedValueOf,
    );
    this.#transitions = new CompiledShapes(
      (rows) => insertTransitions(db, rows as unknown as TransitionRow[]),
      TRANSITION_COLUMNS,
    );
    this.#stored = new PaddedIdStatements((ids) => storedStates(db, ids));
  }

  /**
   * The read of the stored state of the jobs `ids` (placedTransitions.ts `storedStates`), one a
   * batch: compiled once per power of two of IDs, not built, compiled and prepared anew for every
   * batch's count of jobs.
   */
  storedStates(ids: readonly string[]): CompiledQuery<StoredState> {
    return this.#stored.bind(ids);
  }

  /**
   * The statements that write `jobs` and `transitions`, each bound to its rows' values as it is
   * taken, not before: a statement's parameters (and its jobs' JSON) live only while it runs.
   */
  *queries(
    jobs: readonly StagedJob[],
    transitions: readonly TransitionRow[],
  ): Generator<CompiledQuery, void, undefined> {
    yield* this.#chunks(jobs, this.#jobs);
    yield* this.#chunks(transitions, this.#transitions);
  }

  *#chunks(rows: readonly object[], shapes: CompiledShapes) {
    let at = 0;
    for (const n of chunkSizes(rows.length, this.chunked)) {
      yield shapes.bind(rows, at, n);
      at += n;
    }
  }
}
