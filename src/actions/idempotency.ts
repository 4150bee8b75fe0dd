import { createHash } from 'node:crypto';
import { approxBytes, type StoreFill } from '../cache/approxBytes.ts';
import { BadUserInputError } from '../errors.ts';

/** Most requests remembered by key (least recently used forgotten first). */
export const IDEMPOTENCY_MAX_ENTRIES = 1000;
/** Most bytes (approxBytes) the remembered answers hold together, least recently used out first: 8 MiB. */
const IDEMPOTENCY_MAX_BYTES = 8 * 1024 * 1024;
/** How long a key answers its first result, in ms (one hour). */
export const IDEMPOTENCY_WINDOW_MS = 60 * 60 * 1000;
/** Longest `Idempotency-Key` taken, in characters. */
const IDEMPOTENCY_KEY_MAX_CHARS = 255;

/** What a scope's entry costs before its answer is known: its key, fingerprint digest and slots. */
const ENTRY_BYTES = 256;

interface Entry<K> {
  /** A digest of what the request asked and who asked it: the same key for another request is refused. */
  fingerprint: string;
  /** What is kept of the first request's answer (`keep`), once it settles. */
  kept: Promise<K>;
  expiresAt: number;
  /** Its approxBytes, counted in the cache's byte budget (ENTRY_BYTES until the answer is known). */
  bytes: number;
}

/** A request under a key: the first one's own answer, or what was kept of it for a replay. */
export type IdempotentRun<R, K> = { ran: Promise<R> } | { replay: Promise<K> };

/**
 * The `Idempotency-Key` request header's memory, in this process: the first request under a key
 * (scoped by the caller: see JobActions.act) acts, and the same key again within
 * IDEMPOTENCY_WINDOW_MS answers from what was kept of that request's answer without acting again —
 * also while the first is still running. Only `keep(answer)` is held (outcomes and job IDs, never
 * records), bounded at IDEMPOTENCY_MAX_ENTRIES and IDEMPOTENCY_MAX_BYTES together, least recently
 * used out first. A request that failed as a whole (refused, malformed) is forgotten, so its
 * retry is judged afresh. Replicas do not share it (docs/actions.md).
 */
export class IdempotencyCache<K> {
  readonly #entries = new Map<string, Entry<K>>();
  #bytes = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = IDEMPOTENCY_MAX_ENTRIES,
    private readonly maxBytes = IDEMPOTENCY_MAX_BYTES,
  ) {}

  /**
   * The request `fingerprint` under `scope`: `replay`, what was kept of the first one's answer
   * when the scope was used within the window; else `ran`, `run()`'s answer, of which `keep` is
   * remembered.
   */
  run<R>(
    scope: string,
    fingerprint: string,
    run: () => Promise<R>,
    keep: (answer: R) => K,
  ): IdempotentRun<R, K> {
    const now = this.now();
    const digest = createHash('sha256').update(fingerprint).digest('base64url');
    const found = this.#entries.get(scope);
    if (found && found.expiresAt > now) {
      if (found.fingerprint !== digest)
        return {
          replay: Promise.reject(
            new BadUserInputError(
              'The Idempotency-Key header was used within the hour for another request (other jobs, action or reason) or by a token with other accounts or scopes: send a new key for a new request.',
            ),
          ),
        };
      this.#entries.delete(scope);
      this.#entries.set(scope, found);
      return { replay: found.kept };
    }
    this.#forget(scope);
    const ran = run();
    const kept = ran.then(keep);
    const entry: Entry<K> = {
      fingerprint: digest,
      kept,
      expiresAt: now + IDEMPOTENCY_WINDOW_MS,
      bytes: ENTRY_BYTES + 2 * scope.length,
    };
    this.#entries.set(scope, entry);
    this.#bytes += entry.bytes;
    kept.then(
      (value) => {
        if (this.#entries.get(scope) !== entry) return;
        const bytes = entry.bytes + approxBytes(value);
        this.#bytes += bytes - entry.bytes;
        entry.bytes = bytes;
        this.#trim();
      },
      () => {
        if (this.#entries.get(scope) === entry) this.#forget(scope);
      },
    );
    this.#trim();
    return { ran };
  }

  /** How full it is (`jobgraph_store_*{store="idempotency"}`). */
  fill(): StoreFill {
    return {
      store: 'idempotency',
      entries: this.#entries.size,
      bytes: this.#bytes,
      maxEntries: this.maxEntries,
      maxBytes: this.maxBytes,
    };
  }

  #forget(scope: string): void {
    const entry = this.#entries.get(scope);
    if (!entry) return;
    this.#entries.delete(scope);
    this.#bytes -= entry.bytes;
  }

  /** The least recently used out until within both bounds (the newest is kept whatever its size). */
  #trim(): void {
    while (
      this.#entries.size > 1 &&
      (this.#entries.size > this.maxEntries || this.#bytes > this.maxBytes)
    )
      this.#forget(this.#entries.keys().next().value as string);
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
