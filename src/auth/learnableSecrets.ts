/**
 * Which values read at run time become scrub patterns (SecretValueRegistry.learn).
 *
 * A learned value is replaced wherever it occurs in a message or a logged string, for every
 * caller, for as long as the process remembers it; and a job's owner chooses what its sensitive
 * fields hold (a Batch job's environment, a pipeline's configuration). So only text that cannot
 * occur by chance in anyone else's message is learned: a value is split at whitespace (a
 * manifest, a key file), and each part is learned when it
 *
 * - is at least {@link MIN_LEARNED_LENGTH} characters long,
 * - holds a letter and a digit (so words, codes such as `NOT_FOUND` or
 *   `ResourceNotFoundException`, JSON fragments such as `"service":"jobgraph"` and numbers are not),
 * - has a Shannon entropy of at least {@link MIN_LEARNED_ENTROPY} bits per character (so
 *   zero-padded IDs and repeated runs are not),
 * - is neither a date or time (`2026-11-26T16:51:51.000Z`) nor a UUID, alone or ending a path
 *   (`batch:us-east-1:<UUID>`, an ARN's `job/<UUID>`): those are identifiers (job, request and
 *   global IDs) that other callers' messages and log lines name. A UUID inside a longer value (a
 *   presigned URL's path) does not keep the value from being learned.
 *
 * Random keys, passwords, session tokens and JWTs pass; a value that does not is kept out of
 * answers and logs by its field alone (the field's scopes, the logger's redaction by key).
 * Configured credentials are pinned whatever their shape (SecretValueRegistry.pin).
 */

/** Shortest part of a value learned as a secret, in characters. */
const MIN_LEARNED_LENGTH = 16;
/** Least Shannon entropy of a part learned as a secret, in bits per character. */
const MIN_LEARNED_ENTROPY = 3;

const WHITESPACE = /\s/;
const EVERY_WHITESPACE = /\s+/;
const LETTER = /\p{L}/u;
const DIGIT = /\d/;
/** A UUID, alone or the last segment of a `:`- or `/`-separated identifier. */
const UUID_ID = /(?:^|[:/])[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE_TIME = /^\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?)?(?:Z|[+-]\d\d:?\d\d)?$/i;

/** True when `part` (no whitespace in it) is long and random enough to be learned as a secret. */
export function isLearnableSecret(part: string): boolean {
  return (
    part.length >= MIN_LEARNED_LENGTH &&
    LETTER.test(part) &&
    DIGIT.test(part) &&
    !DATE_TIME.test(part) &&
    !UUID_ID.test(part) &&
    entropyOf(part) >= MIN_LEARNED_ENTROPY
  );
}

/** The parts of a value read at run time that are learned as secrets (see the rule above). */
export function learnableParts(value: string): string[] {
  if (value.length < MIN_LEARNED_LENGTH) return [];
  if (!WHITESPACE.test(value)) return isLearnableSecret(value) ? [value] : [];
  return value.split(EVERY_WHITESPACE).filter(isLearnableSecret);
}

/**
 * Counts of an ASCII text's characters, reused: a value is judged on every read of a job with
 * secrets (every changed poll of a watched one), and a Map a call was most of what judging it
 * allocated. Zeroed again as the sum reads it.
 */
const asciiCounts = new Int32Array(128);

/** Shannon entropy of the text's characters (UTF-16 code units), in bits per character. */
export function entropyOf(text: string): number {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return entropyOfAny(text);
  for (let i = 0; i < text.length; i++) asciiCounts[text.charCodeAt(i)]! += 1;
  // Each character's term once, in the order of its first occurrence, as the Map's walk adds them.
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const n = asciiCounts[c]!;
    if (n === 0) continue;
    asciiCounts[c] = 0;
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function entropyOfAny(text: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}
