/**
 * The history store's schema, numbered: each entry is applied once, in order, at start, and
 * `jobgraph_schema` records the versions applied. An entry is never edited once landed; a change
 * is a new entry. The SQL is the subset both SQLite and PostgreSQL accept.
 */
import { sql, type Kysely } from 'kysely';
import { ConfigError } from '../config/env.ts';
import type { HistoryTables } from './tables.ts';

export const MIGRATIONS: readonly (readonly string[])[] = [
  // 1: jobs (each job's latest record without secrets) and transitions.
  [
    `CREATE TABLE jobs (
      id text PRIMARY KEY,
      provider text NOT NULL,
      account text NOT NULL,
      region text,
      state text NOT NULL,
      provider_status text,
      status_message text,
      name text,
      queue text,
      created_at text,
      finished_at text,
      sort_at text NOT NULL,
      terminal integer NOT NULL,
      last_confirmed_at text NOT NULL,
      record text NOT NULL
    )`,
    // The newest-first keyset, whole and within one account: a filtered first page reads an
    // index range, not the table.
    `CREATE INDEX jobs_by_time ON jobs (sort_at DESC, id DESC)`,
    `CREATE INDEX jobs_by_account_time ON jobs (provider, account, sort_at DESC, id DESC)`,
    `CREATE TABLE transitions (
      job_id text NOT NULL,
      at text NOT NULL,
      from_state text,
      to_state text NOT NULL,
      provider_status text,
      source text NOT NULL,
      event_id text
    )`,
    `CREATE INDEX transitions_by_job ON transitions (job_id, at)`,
  ],
  // 2: job_actions, the audit of actions taken on jobs and refused (docs/actions.md).
  [
    `CREATE TABLE job_actions (
      job_id text NOT NULL,
      at text NOT NULL,
      action text NOT NULL,
      subject text,
      reason text NOT NULL,
      outcome text NOT NULL,
      provider text NOT NULL,
      account text NOT NULL,
      request_id text
    )`,
    `CREATE INDEX job_actions_by_job ON job_actions (job_id, at)`,
  ],
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export async function migrate(
  db: Kysely<HistoryTables>,
  dialect: 'sqlite' | 'postgres',
): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS jobgraph_schema (version integer PRIMARY KEY, applied_at text NOT NULL)`.execute(
    db,
  );
  // Already current (every start but the first): no write, so processes sharing a file or a
  // server open it side by side without taking a write lock.
  const current = await db
    .selectFrom('jobgraph_schema')
    .select((eb) => eb.fn.max('version').as('v'))
    .executeTakeFirst();
  if (Number(current?.v ?? 0) === SCHEMA_VERSION) return;
  if (dialect === 'postgres')
    // Replicas sharing a PostgreSQL start together: one migrates, the others wait for it.
    return db.transaction().execute(async (tx) => {
      await sql`LOCK TABLE jobgraph_schema IN EXCLUSIVE MODE`.execute(tx);
      await applyFrom(tx);
    });
  // SQLite: BEGIN IMMEDIATE takes the write lock first (waiting out another process's
  // migration), so the version read below is the one this transaction builds on.
  await db.connection().execute(async (conn) => {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    try {
      await applyFrom(conn);
      await sql`COMMIT`.execute(conn);
    } catch (e) {
      await sql`ROLLBACK`.execute(conn);
      throw e;
    }
  });
}

/** Apply every migration after the version `db` records. */
async function applyFrom(tx: Kysely<HistoryTables>): Promise<void> {
  const row = await tx
    .selectFrom('jobgraph_schema')
    .select((eb) => eb.fn.max('version').as('v'))
    .executeTakeFirst();
  const applied = Number(row?.v ?? 0);
  if (applied > SCHEMA_VERSION)
    throw new ConfigError(
      'JOBGRAPH_HISTORY_URL',
      `holds history schema version ${applied}, newer than this jobgraph's (${SCHEMA_VERSION}): run the newer jobgraph, or point it at another store`,
    );
  for (let v = applied + 1; v <= SCHEMA_VERSION; v++) {
    for (const statement of MIGRATIONS[v - 1] ?? []) await sql.raw(statement).execute(tx);
    await tx
      .insertInto('jobgraph_schema')
      .values({ version: v, applied_at: new Date().toISOString() })
      .execute();
  }
}
