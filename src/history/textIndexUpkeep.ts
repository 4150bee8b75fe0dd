/**
 * SQLite's text index (`jobs_text`, FTS5) kept by the writer for the jobs a batch adds (schema
 * version 11; migrations.ts). FTS5 writes what it was given as a new segment at the start of the
 * next statement of a transaction, and merges segments as they pile up; an insert trigger fed it
 * from each of a batch's upsert statements (up to 256 rows each), so a batch of 2,000 fresh jobs
 * made 8 small segments, and merging them again and again into the larger ones is what grew a
 * fresh job's write with the store. Indexed here in one statement after the batch's upserts, a
 * batch makes one segment. A job updated with another text is still re-indexed by its update
 * trigger; a deleted one by its delete trigger. PostgreSQL's GIN index is the server's own upkeep.
 */
import { sql, type Kysely } from 'kysely';
import type { HistoryTables } from './tables.ts';

/** The newest job's `seq` (0: none): a batch's new jobs get larger ones (its write lock held). */
export async function newestSeq(tx: Kysely<HistoryTables>): Promise<number> {
  const row = await tx
    .selectFrom('jobs')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** Index the text of the jobs added since `after` (newestSeq before the batch), in one statement. */
export async function indexNewJobs(tx: Kysely<HistoryTables>, after: number): Promise<void> {
  await sql`INSERT INTO jobs_text (rowid, name, queue, status_message)
    SELECT seq, name, queue, status_message FROM jobs WHERE seq > ${after}`.execute(tx);
}
