/**
 * What a failed pass of the outbox says in its log line: the error's code and its message made
 * safe to log. A store's error can echo what it was given (a row, a connection string), so before
 * the logger's own scrubbing (configured and learned secrets, JWT and signature shapes) the
 * message loses every `whsec_` secret, a URL's user and password and its query, and a bearer
 * token, and is cut to MAX_REASON characters.
 */

/** Longest message kept, characters. */
const MAX_REASON = 200;
/** Longest code kept, characters (a driver's codes are short: `SQLITE_BUSY`, `57P01`). */
const MAX_CODE = 64;

const HIDDEN = '[REDACTED]';
const SCRUBS: readonly [RegExp, string][] = [
  [/whsec_[A-Za-z0-9+/=_-]*/g, `whsec_${HIDDEN}`],
  // A URL's user and password, then its query (the fragment too).
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, `$1${HIDDEN}@`],
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s?#]*)[?#]\S*/gi, `$1?${HIDDEN}`],
  [/\b(bearer\s+)\S+/gi, `$1${HIDDEN}`],
];

/** The log fields of a failed pass's error: `code` (the driver's, else `error`) and `reason`. */
export function passFailureFields(e: unknown): { code: string; reason: string } {
  const { code, message } = (e ?? {}) as { code?: unknown; message?: unknown };
  let reason = typeof message === 'string' ? message : String(e);
  for (const [re, replacement] of SCRUBS) reason = reason.replace(re, replacement);
  if (reason.length > MAX_REASON) reason = `${reason.slice(0, MAX_REASON)}…`;
  return { code: typeof code === 'string' ? code.slice(0, MAX_CODE) : 'error', reason };
}
