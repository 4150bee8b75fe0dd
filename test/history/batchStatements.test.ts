import { Kysely, PostgresDialect, SqliteDialect, type CompiledQuery } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  BatchStatements,
  CompiledShapes,
  PaddedIdStatements,
  chunkSizes,
  insertTransitions,
  upsertJobs,
  type StagedJob,
} from '../../src/history/batchStatements.ts';
import { storedStates } from '../../src/history/placedTransitions.ts';
import type { HistoryTables, JobRow, TransitionRow } from '../../src/history/tables.ts';

// The writer's statements are compiled once per row count and bound to each batch's values
// (issue #72): Kysely compiling each batch's own rows is the oracle, on both dialects' compilers.

const job = (i: number): StagedJob => ({
  id: `batch:us-east-1:${i.toString(16).padStart(8, '0')}`,
  provider: 'AWS_BATCH',
  account: i % 2 ? 'default' : 'staging',
  region: i % 3 ? 'us-east-1' : null,
  state: 'SUCCEEDED',
  provider_status: 'SUCCEEDED',
  status_message: i % 5 ? null : `exit ${i}`,
  name: `job-${i}`,
  queue: null,
  created_at: '2026-11-26T10:00:00.000Z',
  finished_at: i % 4 ? null : '2026-11-26T11:00:00.000Z',
  sort_at: '2026-11-26T11:00:00.000Z',
  terminal: i % 2,
  last_confirmed_at: '2026-11-26T11:00:01.000Z',
  failure_category: i % 2 ? null : 'USER_CODE',
  stripped: { i, quote: `it's "${i}"` },
});
/** The row Kysely would be given: the record as its JSON. */
const stored = ({ stripped, ...row }: StagedJob): JobRow => ({
  ...row,
  record: JSON.stringify(stripped),
});
const transition = (i: number): TransitionRow => ({
  job_id: job(i).id,
  at: '2026-11-26T11:00:01.000Z',
  from_state: i % 2 ? null : 'IN_PROGRESS',
  to_state: 'SUCCEEDED',
  provider_status: 'SUCCEEDED',
  source: i % 3 ? 'READ' : 'EVENT',
  event_id: i % 3 ? null : `e-${i}`,
  ordinal: 1,
});

// Compilers only: no statement is executed, so neither database is opened.
const DIALECTS = {
  sqlite: new Kysely<HistoryTables>({
    dialect: new SqliteDialect({ database: async () => Promise.reject(new Error('no database')) }),
  }),
  postgres: new Kysely<HistoryTables>({
    dialect: new PostgresDialect({ pool: async () => Promise.reject(new Error('no database')) }),
  }),
};

describe('the history writer’s statements, compiled once per size', () => {
  it('cuts SQLite batches into a few fixed sizes, and gives PostgreSQL a batch whole', () => {
    expect(chunkSizes(200, true)).toEqual([64, 64, 64, 4, 4]);
    expect(chunkSizes(1000, true)).toEqual([256, 256, 256, 64, 64, 64, 16, 16, 4, 4]);
    expect(chunkSizes(3, true)).toEqual([1, 1, 1]);
    expect(chunkSizes(0, true)).toEqual([]);
    expect(chunkSizes(1000, false)).toEqual([1000]);
  });

  for (const [name, db] of Object.entries(DIALECTS)) {
    it(`binds each batch exactly as Kysely compiles its rows (${name})`, () => {
      const chunked = name === 'sqlite';
      const statements = new BatchStatements(db, chunked);
      // Two batches of one size: the second reuses the first's SQL with its own values.
      for (const [from, n] of [
        [0, 87],
        [500, 87],
        [1000, 3],
      ] as const) {
        const ids = Array.from({ length: n }, (_, k) => from + k);
        const jobs = ids.map(job);
        const transitions = ids.map(transition);
        const got = [...statements.queries(jobs, transitions)];
        const expected: CompiledQuery[] = [];
        const compiled = (
          rows: readonly unknown[],
          build: (r: never[]) => { compile(): CompiledQuery },
        ) => {
          let at = 0;
          for (const size of chunkSizes(rows.length, chunked))
            expected.push(build(rows.slice(at, (at += size)) as never[]).compile());
        };
        compiled(jobs.map(stored), (r) => upsertJobs(db, r));
        compiled(transitions, (r) => insertTransitions(db, r));
        expect(got.map((q) => [q.sql, q.parameters])).toEqual(
          expected.map((q) => [q.sql, q.parameters]),
        );
      }
    });
  }

  it('serialises a job’s record only as the statement that writes it is taken', () => {
    const statements = new BatchStatements(DIALECTS.sqlite, true);
    let serialised = 0;
    // 300 jobs: statements of 256, 16, 16, 4, 4, 4 rows.
    const jobs = Array.from({ length: 300 }, (_, i) => ({
      ...job(i),
      stripped: {
        toJSON: () => {
          serialised++;
          return { i };
        },
      },
    }));
    const queries = statements.queries(jobs, []);
    expect(serialised).toBe(0);
    const first = queries.next();
    expect(serialised).toBe(256);
    expect((first.value as CompiledQuery).parameters).toContain(JSON.stringify({ i: 255 }));
    expect([...queries]).toHaveLength(5);
    expect(serialised).toBe(300);
  });

  for (const [name, db] of Object.entries(DIALECTS))
    it(`reads a batch's stored jobs with one statement a power of two of IDs (${name})`, () => {
      const statements = new BatchStatements(db, name === 'sqlite');
      const ids = (n: number) => Array.from({ length: n }, (_, i) => `job-${i}`);
      const five = statements.storedStates(ids(5));
      // Padded with its last ID: what Kysely compiles for those eight.
      const padded = [...ids(5), 'job-4', 'job-4', 'job-4'];
      const expected = storedStates(db, padded).compile();
      expect([five.sql, five.parameters]).toEqual([expected.sql, expected.parameters]);
      // Six to eight IDs share that statement; nine take the next size.
      expect(statements.storedStates(ids(8)).sql).toBe(five.sql);
      expect(statements.storedStates(ids(9)).parameters).toHaveLength(16);
      expect(statements.storedStates(ids(1)).parameters).toEqual(['job-0']);
    });

  it('refuses a statement of ID lists that takes other parameters than its IDs', () => {
    const db = DIALECTS.sqlite;
    const withState = new PaddedIdStatements((ids) =>
      db.selectFrom('jobs').select('id').where('id', 'in', ids).where('state', '=', 'FAILED'),
    );
    expect(() => withState.bind(['job-0', 'job-1'])).toThrow(/parameters other than its IDs/);
  });
});

describe('the compiled shapes kept', () => {
  it('are at most `max` row counts, the least recently bound forgotten first', () => {
    const db = DIALECTS.postgres;
    const built: number[] = [];
    const shapes = new CompiledShapes(
      (rows) => {
        built.push(rows.length);
        return insertTransitions(db, rows as TransitionRow[]);
      },
      Object.keys(transition(0)),
      2,
    );
    const bind = (n: number) => shapes.bind(Array.from({ length: n }, (_, i) => transition(i)));
    bind(1);
    bind(2);
    bind(1); // kept, now the most recently bound
    bind(3); // over the bound: 2 goes
    expect(built).toEqual([1, 2, 3]);
    bind(1);
    bind(3);
    expect(built).toEqual([1, 2, 3]);
    // The one forgotten is compiled again, and binds as Kysely compiles its rows.
    const two = bind(2);
    expect(built).toEqual([1, 2, 3, 2]);
    const expected = insertTransitions(db, [transition(0), transition(1)]).compile();
    expect([two.sql, two.parameters]).toEqual([expected.sql, expected.parameters]);
  });
});
