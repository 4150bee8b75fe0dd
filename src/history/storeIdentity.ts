/**
 * The history store's identity: a random value made once with the store (migration 9), the same
 * for every replica that shares it, another for every other store. `jobHistory`'s cursors carry
 * it (requestHistory.ts), so a position is read only by the store that handed it out.
 */
import type { Kysely } from 'kysely';
import type { HistoryTables } from './tables.ts';

/** The identity of the store `db` opens (migrated to 8 or later). */
export async function storeIdentity(db: Kysely<HistoryTables>): Promise<string> {
  const row = await db.selectFrom('jobgraph_store').select('id').executeTakeFirstOrThrow();
  return row.id;
}
