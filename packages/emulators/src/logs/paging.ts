import type { LogEvent } from './streams.ts';

/**
 * GetLogEvents' paging over one stream, as CloudWatch Logs pages: a page is at most `limit`
 * events (1..10,000, default 10,000) and at most 1 MB (each event counted as its message's UTF-8
 * bytes plus 26, as the service counts it), oldest first within the page. Without a token it
 * answers the newest events (`startFromHead` false, the default) or the oldest (true). A forward
 * token reads on after the page it came with, a backward token before it; at the end of the
 * stream (or its start, backwards) the page is empty and the token sent comes back, which is how
 * a reader knows it has everything so far. `startTime` (inclusive) and `endTime` (exclusive), in
 * ms, narrow the stream first.
 */

/** The most events of one page, and the default (`limit`). */
export const MAX_EVENTS_PER_PAGE = 10_000;
/** The most bytes of one page's events. */
export const MAX_PAGE_BYTES = 1_048_576;
/** What each event adds to a page's bytes beside its message. */
export const EVENT_OVERHEAD_BYTES = 26;

export interface PageRequest {
  startTime?: number;
  endTime?: number;
  limit?: number;
  startFromHead?: boolean;
  nextToken?: string;
}

export interface Page {
  events: LogEvent[];
  nextForwardToken: string;
  nextBackwardToken: string;
}

const TOKEN_DIGITS = 56;
const TOKEN_RE = /^([fb])\/(\d{56})\/s$/;

/** A token in the service's shape (`f/<56 digits>/s`), naming a position between two events. */
const token = (direction: 'f' | 'b', index: number) =>
  `${direction}/${String(index).padStart(TOKEN_DIGITS, '0')}/s`;

/** The token's direction and position, or null for one the emulator did not issue. */
function readToken(value: string): { direction: 'f' | 'b'; index: number } | null {
  const match = TOKEN_RE.exec(value);
  if (!match) return null;
  const index = Number(match[2]);
  if (!Number.isSafeInteger(index)) return null;
  return { direction: match[1] as 'f' | 'b', index };
}

/** The first index of `events` (sorted by timestamp) whose timestamp is at least `ms`. */
function firstAtOrAfter(events: readonly LogEvent[], ms: number): number {
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (events[mid]!.timestamp < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const bytesOf = (e: LogEvent) => Buffer.byteLength(e.message, 'utf8') + EVENT_OVERHEAD_BYTES;

/** One page of `events` (sorted by timestamp), or null when `nextToken` is not a token the emulator issued. */
export function pageOf(events: readonly LogEvent[], request: PageRequest): Page | null {
  const limit = request.limit ?? MAX_EVENTS_PER_PAGE;
  const lo = request.startTime === undefined ? 0 : firstAtOrAfter(events, request.startTime);
  const hi = Math.max(
    lo,
    request.endTime === undefined ? events.length : firstAtOrAfter(events, request.endTime),
  );
  const sent = request.nextToken === undefined ? null : readToken(request.nextToken);
  if (request.nextToken !== undefined && sent === null) return null;
  const forward = sent ? sent.direction === 'f' : request.startFromHead === true;
  if (forward) {
    const start = Math.min(Math.max(sent?.index ?? lo, lo), hi);
    let end = start;
    let bytes = 0;
    while (end < hi && end - start < limit) {
      const size = bytesOf(events[end]!);
      if (bytes + size > MAX_PAGE_BYTES) break;
      bytes += size;
      end += 1;
    }
    return {
      events: events.slice(start, end),
      nextForwardToken: end === start && request.nextToken ? request.nextToken : token('f', end),
      nextBackwardToken: token('b', start),
    };
  }
  const end = Math.max(Math.min(sent?.index ?? hi, hi), lo);
  let start = end;
  let bytes = 0;
  while (start > lo && end - start < limit) {
    const size = bytesOf(events[start - 1]!);
    if (bytes + size > MAX_PAGE_BYTES) break;
    bytes += size;
    start -= 1;
  }
  return {
    events: events.slice(start, end),
    nextForwardToken: token('f', end),
    nextBackwardToken: end === start && request.nextToken ? request.nextToken : token('b', start),
  };
}
