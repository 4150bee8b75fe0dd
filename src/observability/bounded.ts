import { scrubSecrets } from '../auth/secretValues.ts';

/** What ends a text that was cut: one character, so a reader (or a test) sees the cut. */
export const CUT_MARK = '…';

/**
 * Most characters of a GraphQL operation name kept wherever jobgraph writes one: the one log
 * line per operation, the operation span's name and its `graphql.operation.name` attribute
 * (metrics never carry a name, only the operation type). The name is the caller's choice and
 * unbounded (a 200 KB name is a valid GraphQL name); GraphQL tools rarely make names longer
 * than a few dozen characters.
 */
export const MAX_OPERATION_NAME_LENGTH = 128;

/**
 * `text` cut to at most `max` UTF-16 code units, with {@link CUT_MARK} after what is kept when it
 * was cut (so `max + 1` at most). Never cuts a surrogate pair in two.
 */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1; // a high surrogate whose pair is cut off
  return text.slice(0, end) + CUT_MARK;
}

/**
 * An operation name as it may be written to a log line, a span or a metric label: at most
 * {@link MAX_OPERATION_NAME_LENGTH} characters, a longer one cut and ending in {@link CUT_MARK}
 * (null and undefined become null, as the log line has it).
 *
 * A name over the limit is scrubbed of secret values (`scrub`, by default `scrubSecrets`) before
 * it is cut: a cut through a secret would keep its first characters, which no scrubber
 * downstream recognises. A name within the limit is returned as is, since every sink scrubs what
 * it writes (the logger each string of a line's fields, the span helpers of tracing.ts each string).
 */
export function boundedOperationName(
  name: string | null | undefined,
  scrub: (text: string) => string = scrubSecrets,
): string | null {
  if (name === null || name === undefined) return null;
  if (name.length <= MAX_OPERATION_NAME_LENGTH) return name;
  return cutText(scrub(name), MAX_OPERATION_NAME_LENGTH);
}
