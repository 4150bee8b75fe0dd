import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const MAC_BYTES = 32;

let processSecret: Buffer | undefined;

/** The key of a process without JOBGRAPH_CURSOR_SECRET: random, made once. */
function perProcessSecret(): Buffer {
  processSecret ??= randomBytes(32);
  return processSecret;
}

/**
 * The seal of the cursors jobgraph hands out (`listJobs`, `jobHistory`): base64url of an
 * HMAC-SHA256 tag followed by the payload. Integrity-protected, not encrypted. Each use has its
 * `label`, so one use's cursor never opens as another's; `secret` null (no
 * JOBGRAPH_CURSOR_SECRET): a random key per process.
 */
export class CursorSeal {
  readonly #key: Buffer;

  constructor(
    secret: string | null,
    label: string,
    /** Longer values are refused unread. */
    private readonly maxChars = 4096,
  ) {
    this.#key = createHmac('sha256', secret ?? perProcessSecret())
      .update(label)
      .digest();
  }

  seal(body: Buffer): string {
    return Buffer.concat([this.#mac(body), body]).toString('base64url');
  }

  /** The payload `value` seals, or null unless this jobgraph sealed it (with this secret and label). */
  open(value: string): Buffer | null {
    if (value.length > this.maxChars || !/^[A-Za-z0-9_-]+$/.test(value)) return null;
    const raw = Buffer.from(value, 'base64url');
    if (raw.length <= MAC_BYTES) return null;
    const tag = raw.subarray(0, MAC_BYTES);
    const body = raw.subarray(MAC_BYTES);
    return timingSafeEqual(tag, this.#mac(body)) ? body : null;
  }

  #mac(body: Buffer): Buffer {
    return createHmac('sha256', this.#key).update(body).digest();
  }
}
