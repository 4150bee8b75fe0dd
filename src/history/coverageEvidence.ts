/**
 * The job events' coverage evidence in the history store (migration 10): per provider, account
 * and region, whether its events were live, why not, when its last event was applied and its usual
 * gap between events. Written off the request path (the gateway's timer, gateway/stateStore.ts) and
 * read at start, before the event queues are read, so a restarted replica keeps what it knew, and,
 * with replicas sharing Redis, again after each write, so each knows what the others' events show
 * (docs/events.md, "Coverage"). Holds no job, no record, no secret.
 */
import type { Kysely } from 'kysely';
import type { HistoryTables } from './tables.ts';

/** One place's evidence, as the event coverage gives and takes it. */
export interface CoverageEvidence {
  provider: string;
  /** The account's alias. */
  account: string;
  region: string;
  live: boolean;
  /** Why not live (null: live). */
  reason: string | null;
  /** When its last event was applied (epoch ms); null: none. */
  lastEventAt: number | null;
  /** Its usual gap between applied events, ms (0: not learned yet). */
  usualGapMs: number;
}

/** Places stored at most: more rows than any configuration has places are not read. */
const MAX_ROWS = 1000;

/** Every place's evidence stored (at most MAX_ROWS), as written: the reader judges it. */
export async function loadCoverageEvidence(db: Kysely<HistoryTables>): Promise<CoverageEvidence[]> {
  const rows = await db.selectFrom('event_coverage').selectAll().limit(MAX_ROWS).execute();
  return rows.map((r) => ({
    provider: r.provider,
    account: r.account,
    region: r.region,
    live: Number(r.live) === 1,
    reason: r.reason,
    lastEventAt: r.last_event_at === null ? null : Date.parse(r.last_event_at),
    usualGapMs: Number(r.usual_gap_ms),
  }));
}

/** Write `places`' evidence, each replacing its place's row (one statement a place, one transaction). */
export async function saveCoverageEvidence(
  db: Kysely<HistoryTables>,
  places: readonly CoverageEvidence[],
  now: number = Date.now(),
): Promise<void> {
  if (places.length === 0) return;
  const updatedAt = new Date(now).toISOString();
  await db.transaction().execute(async (tx) => {
    for (const p of places) {
      const row = {
        live: p.live ? 1 : 0,
        reason: p.reason,
        last_event_at: p.lastEventAt === null ? null : new Date(p.lastEventAt).toISOString(),
        usual_gap_ms: Math.round(p.usualGapMs),
        updated_at: updatedAt,
      };
      await tx
        .insertInto('event_coverage')
        .values({ provider: p.provider, account: p.account, region: p.region, ...row })
        .onConflict((oc) => oc.columns(['provider', 'account', 'region']).doUpdateSet(row))
        .execute();
    }
  });
}
