import { BadUserInputError } from '../../errors.ts';

/** Most requests remembered by key (least recently used forgotten first). */
export const IDEMPOTENCY_MAX_ENTRIES = 1000;
/** How long a key answers its first result, in ms (one hour). */
export const IDEMPOTENCY_WINDOW_MS = 60 * 60 * 1000;
/** Longest `Idempotency-Key` taken, in characters. */
export const IDEMPOTENCY_KEY_MAX_CHARS = 255;

interface Entry<T> {
  /** What the request asked (its field and arguments): the same key for another request is refused. */
  fingerprint: string;
  result: Promise<T>;
  expiresAt: number;
}

/**
 * The `Idempotency-Key` request header's memory, in this process: the first request under a key
 * (scoped to the caller's subject and the mutation field's response key) acts, and the same key
 * again within IDEMPOTENCY_WINDOW_MS answers that request's result without acting again — also
 * while the first is still running. A request that failed as a whole (refused, malformed) is
 * forgotten, so its retry is judged afresh. Bounded at IDEMPOTENCY_MAX_ENTRIES, least recently
 * used out first. Replicas do not share it (docs/actions.md).
 */
export class IdempotencyCache<T> {
  readonly #entries = new Map<string, Entry<T>>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * The result of the request `fingerprint` under `scope` (subject, key, field): the first one's
   * when the key was used within the window, else `run()`'s, remembered.
   */
  run(scope: string, fingerprint: string, run: () => Promise<T>): Promise<T> {
    const now = this.now();
    const found = this.#entries.get(scope);
    if (found && found.expiresAt > now) {
      if (found.fingerprint !== fingerprint)
        return Promise.reject(
          new BadUserInputError(
            'The Idempotency-Key header was used for another request (other jobs, action or reason) within the hour: send a new key for a new request.',
          ),
        );
      this.#entries.delete(scope);
      this.#entries.set(scope, found);
      return found.result;
    }
    this.#entries.delete(scope);
    const result = run();
    this.#entries.set(scope, { fingerprint, result, expiresAt: now + IDEMPOTENCY_WINDOW_MS });
    result.catch(() => {
      if (this.#entries.get(scope)?.result === result) this.#entries.delete(scope);
    });
    while (this.#entries.size > IDEMPOTENCY_MAX_ENTRIES) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    return result;
  }
}

/** The header's value, checked: at most IDEMPOTENCY_KEY_MAX_CHARS printable ASCII characters. */
export function idempotencyKeyOf(header: string | string[] | undefined): string | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value === '') return null;
  if (value.length > IDEMPOTENCY_KEY_MAX_CHARS || !/^[\x21-\x7e]+$/.test(value))
    throw new BadUserInputError(
      `The Idempotency-Key header takes 1-${IDEMPOTENCY_KEY_MAX_CHARS} printable ASCII characters (a UUID, say).`,
    );
  return value;
}
