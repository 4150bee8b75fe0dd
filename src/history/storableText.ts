/**
 * Text as the history store can keep it, on both stores: what a row builder (writer.ts, actions.ts)
 * passes every text value through on its way in. PostgreSQL's `text` refuses NUL (U+0000) and, in
 * a UTF-8 database, a lone UTF-16 surrogate; one such value in a multi-row statement failed the
 * whole batch (another tenant's change with it). SQLite keeps a NUL but its text functions stop at
 * it (a search, `length`). Both become U+FFFD, the replacement character; a value longer than its
 * column's bound is cut to it (docs/history.md "What is kept").
 */

/** What a NUL or a lone surrogate becomes. */
const REPLACEMENT = '\uFFFD';

/** Longest status text kept (`status_message`, `provider_status`), in UTF-16 code units: 4 KiB. */
export const STATUS_TEXT_MAX_CHARS = 4096;

/** Longest other text kept (names, queues, IDs, an action's subject and reason), in UTF-16 code units. */
const TEXT_MAX_CHARS = 1024;

/**
 * `value` storable: NUL and lone surrogates replaced by U+FFFD, at most `maxChars` UTF-16 code
 * units (a surrogate pair is never cut in half). The common case — already storable — returns
 * `value` itself after one scan.
 */
export function storableText(value: string, maxChars = TEXT_MAX_CHARS): string {
  let v = value.length > maxChars ? value.slice(0, maxChars) : value;
  // A cut between a pair's halves leaves a lone high surrogate at the end: drop it.
  if (v !== value && /[\uD800-\uDBFF]$/.test(v)) v = v.slice(0, -1);
  return UNSTORABLE.test(v) ? v.replace(UNSTORABLE_ALL, REPLACEMENT) : v;
}

/** A NUL, or a surrogate that is not half of a pair (in `u` mode a pair is one code point, not Cs). */
const UNSTORABLE = /[\0\p{Cs}]/u;
const UNSTORABLE_ALL = /[\0\p{Cs}]/gu;

/** storableText of a nullable column. */
export const storableOrNull = (value: string | null, maxChars = TEXT_MAX_CHARS): string | null =>
  value === null ? null : storableText(value, maxChars);

/** The escapes JSON.stringify writes for a NUL or a lone surrogate (and, harmlessly, for a pair's halves). */
const UNSTORABLE_ESCAPE = /\\u(?:0000|d[89a-f])/i;

/**
 * A record as JSON whose strings are storable: JSON.stringify writes a NUL as `\u0000` and a lone
 * surrogate as `\udXXX`, which a `text` column takes, but the record read back would carry them
 * again (and a `jsonb` cast refuses `\u0000`). The common record has no such escape and costs one
 * scan more than JSON.stringify; one that may have one is serialised again with its strings
 * replaced (no bound on length: a record is bounded by JOBGRAPH_UPSTREAM_MAX_BODY_BYTES).
 */
export function storableJson(value: unknown): string {
  const json = JSON.stringify(value);
  // JSON.stringify writes `\u` only for a control character or a lone surrogate: one fast scan.
  if (!json.includes('\\u') || !UNSTORABLE_ESCAPE.test(json)) return json;
  return JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? storableText(v, Number.MAX_SAFE_INTEGER) : v,
  );
}
