/**
 * SQLite's text index (`jobs_text`, FTS5; schema version 11, migrations.ts) and word index
 * (`jobs_words`, version 12) kept by the writer for the jobs a batch adds. FTS5 writes what it was
 * given as a new segment at the start of the next statement of a transaction, and merges segments
 * as they pile up; an insert trigger fed it from each of a batch's upsert statements (up to 256
 * rows each), so a batch of 2,000 fresh jobs made 8 small segments, and merging them again and
 * again into the larger ones is what grew a fresh job's write with the store. Indexed here in one
 * statement a table after the batch's upserts, a batch makes one segment in each. A job updated with another text is still re-indexed by its update
 * trigger; a deleted one by its delete trigger. PostgreSQL's GIN indexes are the server's own upkeep.
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

/**
 * Index the text of the jobs added since `after` (newestSeq before the batch): its trigrams
 * (`jobs_text`) and its words (`jobs_words`, schema version 12), one statement each.
 */
export async function indexNewJobs(tx: Kysely<HistoryTables>, after: number): Promise<void> {
  for (const table of ['jobs_text', 'jobs_words'])
    await sql`INSERT INTO ${sql.table(table)} (rowid, name, queue, status_message)
      SELECT seq, name, queue, status_message FROM jobs WHERE seq > ${after}`.execute(tx);
}
