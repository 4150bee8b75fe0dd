// jobHistory's keyset: the position a cursor names, how a page hands positions out as cursors, and
// the terms a search's rows are bounded by on the newest-first key.
import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { HistoryTables } from './database.ts';

type Eb = ExpressionBuilder<HistoryTables, 'jobs'>;

/** A cursor not made by this store: the caller's mistake. */
class BadHistoryCursor extends Error {}

/** A keyset position: the job's sort_at, and its seq (the tie-break among equal times). */
export type HistoryPosition = readonly [sortAt: string, seq: number];

/** The position a cursor's JSON body names, or null when it names none. */
export function positionOf(body: string): HistoryPosition | null {
  try {
    const v: unknown = JSON.parse(body);
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      typeof v[0] === 'string' &&
      Number.isSafeInteger(v[1]) &&
      (v[1] as number) >= 0
    )
      return [v[0], v[1] as number];
  } catch {
    // not JSON: no position
  }
  return null;
}

const encode = (sortAt: string, seq: number) =>
  Buffer.from(JSON.stringify([sortAt, seq])).toString('base64url');

function decode(cursor: string): HistoryPosition {
  const position = positionOf(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (position === null) throw new BadHistoryCursor('after is not a cursor of jobHistory');
  return position;
}

/** How a page's positions are handed out as cursors and read back (default: unsigned base64url). */
export interface HistoryCursors {
  encode(sortAt: string, seq: number): string;
  /** The position `cursor` names; throws (the caller's error) unless this store made it. */
  decode(cursor: string): HistoryPosition;
}

export const UNSIGNED: HistoryCursors = { encode, decode };

/**
 * The terms on the newest-first key: the finished window (a finished job's sort_at is its
 * finished_at: the same bounds on sort_at let a finished window start its index range at the
 * window rather than walk down from the newest job), below `position` and down to `downTo`
 * (inclusive). Each keyset bound also bounds sort_at alone, which SQLite's planner takes as the
 * index range's end (the (sort_at, seq) comparison alone it checks on every row).
 */
export function sortBounds(
  eb: Eb,
  filter: { finishedAfter?: string; finishedBefore?: string },
  position: HistoryPosition | null,
  downTo: HistoryPosition | null,
): Expression<SqlBool>[] {
  const all: Expression<SqlBool>[] = [];
  if (filter.finishedAfter) all.push(eb('sort_at', '>=', filter.finishedAfter));
  if (filter.finishedBefore) all.push(eb('sort_at', '<', filter.finishedBefore));
  if (position !== null) all.push(...beyond(eb, position, ['<=', '<', '<']));
  if (downTo !== null) all.push(...beyond(eb, downTo, ['>=', '>', '>=']));
  return all;
}

/**
 * The rows on one side of `at` in (sort_at, seq) order: `sort_at` within (a range an index
 * answers), then past it or, at the same `sort_at`, `seq` past it.
 */
function beyond(
  eb: Eb,
  at: HistoryPosition,
  [within, past, seqPast]: ['<=' | '>=', '<' | '>', '<' | '>='],
): Expression<SqlBool>[] {
  return [
    eb('sort_at', within, at[0]),
    eb.or([
      eb('sort_at', past, at[0]),
      eb.and([eb('sort_at', '=', at[0]), eb('seq', seqPast, at[1])]),
    ]),
  ];
}
