import {
  createHmac,
  createSecretKey,
  hkdfSync,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import type { Logger } from 'pino';

/**
 * What a sealed value is, one key each (derived from the cluster secret): a value of one kind can
 * never be read as another.
 * - `job`: a finished job's record (`jobgraph:job:v2:<global ID>`);
 * - `list`: a list snapshot (`jobgraph:list:v2:<snapshot key>`);
 * - `poll`: a watched job's poll lease (`jobgraph:poll:v2:<global ID>`);
 * - `watch`: a message on a watched job's channel, and the last one kept (`jobgraph:poll:v2:last:…`);
 * - `outcome`: a fetch lease's outcome message (`jobgraph:lease:v2`);
 * - `sse`: single connection reservations' fields and the replicas' messages (`jobgraph:sse:v2:…`);
 * - `rate`: rate budget state (not sealed: Redis's script must read it; only counted when clamped);
 * - `caller`: the callers' request rate state (`jobgraph:caller-rate:v2:…`; not sealed, as `rate`: its keys are named by an HMAC instead, callerRateKey.ts);
 * - `presence`: a replica's presence (`jobgraph:replicas:v2:<replica ID>`, clusterPeers.ts);
 * - `logs`: the log budget's state (`jobgraph:log-budget:v1:…`; not sealed, clamped as `rate`, redisLogBudget.ts);
 * - `queues`: a region's job queue descriptions and a queue's block (`jobgraph:queues:v1:…`, src/queues/shared.ts).
 */
export type SealedKind =
  | 'job'
  | 'list'
  | 'poll'
  | 'watch'
  | 'outcome'
  | 'sse'
  | 'rate'
  | 'caller'
  | 'presence'
  | 'logs'
  | 'queues';

/**
 * Why a value read back from Redis was not believed:
 * - `mac`: not sealed under this cluster's secret (a replica with another JOBGRAPH_CLUSTER_SECRET, a
 *   forgery, or another version); never a stopped replica's leftovers, which the same secret opens;
 * - `binding`: sealed, but for another key or channel, or its content names another job or account;
 * - `malformed`: not a sealed value at all, or its content is not what jobgraph writes;
 * - `oversized`: over the size bound before decoding (compressed or decompressed);
 * - `clamped`: a time read back (a wait, an expiry) further ahead than jobgraph itself writes;
 * - `expired`: sealed genuinely, but past the expiry sealed into it (a message replayed later).
 */
export type RejectReason = 'mac' | 'binding' | 'malformed' | 'oversized' | 'clamped' | 'expired';

/** The version every sealed value starts with; a value of another version is never read. */
const VERSION = '2';
/** `2.` + base64url of a 32-byte HMAC-SHA256 + `.`: the header every sealed value starts with. */
export const SEALED_HEADER_LENGTH = VERSION.length + 1 + 43 + 1;

/**
 * Seals and opens what the replicas keep in Redis: `2.<MAC>.<payload>`, the MAC an HMAC-SHA256
 * under a key derived from JOBGRAPH_CLUSTER_SECRET for the value's kind (HKDF), over the version,
 * the kind, the key (or channel) the value is stored under, and the payload. Redis never holds the
 * secret, so whoever can write to Redis can delete or garble values (deny service) but not make
 * one a replica believes, nor move a genuine one to another key. Deterministic: the same
 * payload under the same key seals the same, so Redis's scripts can compare sealed values.
 */
export interface Sealer {
  /** The sealed form of `payload`, to be stored under `binding` (a key name, or channel + subject). */
  seal(kind: SealedKind, binding: string, payload: string): string;
  /**
   * The payload of a value read back from `binding`, or undefined (counted and logged as a
   * rejection) when it is not a string, is longer than `maxChars`, or is not sealed for `binding`.
   */
  open(kind: SealedKind, binding: string, value: unknown, maxChars: number): string | undefined;
  /** Count and log (once per kind and reason) a value rejected by the caller's own checks. */
  reject(kind: SealedKind, reason: RejectReason): void;
}

export interface SealerOptions {
  /**
   * JOBGRAPH_CLUSTER_SECRET_PREVIOUS: a value sealed under it is opened too (never sealed), so that
   * replicas keep reading each other's values while the cluster secret is rotated.
   */
  previous?: string | null;
  /** Told of each rejected value (the metric `jobgraph_cache_rejected_total{kind,reason}`). */
  onReject?: (kind: SealedKind, reason: RejectReason) => void;
  /** Where the first rejection of each kind and reason is logged (JSON, quoting no value). */
  logger?: Logger;
}

/** The MAC of a value of `kind` under `binding` with `payload`, under one cluster secret. */
type Mac = (kind: SealedKind, binding: string, payload: string) => Buffer;

/** The MAC under `secret`, its keys derived once per kind. */
function macUnder(secret: string): Mac {
  // KeyObjects made once: createHmac with a raw key imports it at every call (several times slower).
  const keys = new Map<SealedKind, KeyObject>();
  const keyOf = (kind: SealedKind) => {
    let key = keys.get(kind);
    if (!key) {
      key = createSecretKey(
        Buffer.from(
          hkdfSync('sha256', secret, 'jobgraph cluster', `jobgraph:${kind}:v${VERSION}`, 32),
        ),
      );
      keys.set(kind, key);
    }
    return key;
  };
  // Lengths first, so no two (binding, payload) pairs hash alike whatever characters they hold.
  return (kind, binding, payload) =>
    createHmac('sha256', keyOf(kind))
      .update(`${VERSION}\n${kind}\n${Buffer.byteLength(binding)}\n${binding}\n`)
      .update(payload)
      .digest();
}

/**
 * A sealer under `secret` (JOBGRAPH_CLUSTER_SECRET), opening values sealed under
 * `options.previous` too (JOBGRAPH_CLUSTER_SECRET_PREVIOUS, during a rotation).
 */
export function createSealer(secret: string, options: SealerOptions = {}): Sealer {
  const mac = macUnder(secret);
  const previous = options.previous ? macUnder(options.previous) : null;
  const logged = new Set<string>();
  const reject = (kind: SealedKind, reason: RejectReason) => {
    options.onReject?.(kind, reason);
    const once = `${kind} ${reason}`;
    if (logged.has(once)) return;
    logged.add(once);
    options.logger?.warn(
      { kind, reason },
      reason === 'mac'
        ? "a value read from Redis was not believed (read upstream instead): its MAC fails under this replica's JOBGRAPH_CLUSTER_SECRET, so a replica with another secret or someone else wrote it (a stopped replica's values under the same secret are believed); further ones of this kind and reason are counted in jobgraph_cache_rejected_total, not logged"
        : 'a value read from Redis was not believed (read upstream instead); further ones of this kind and reason are counted in jobgraph_cache_rejected_total, not logged',
    );
  };
  return {
    seal: (kind, binding, payload) =>
      `${VERSION}.${mac(kind, binding, payload).toString('base64url')}.${payload}`,
    open(kind, binding, value, maxChars) {
      if (typeof value !== 'string') return void reject(kind, 'malformed');
      if (value.length > maxChars + SEALED_HEADER_LENGTH) return void reject(kind, 'oversized');
      if (
        value.length < SEALED_HEADER_LENGTH ||
        !value.startsWith(`${VERSION}.`) ||
        value[SEALED_HEADER_LENGTH - 1] !== '.'
      )
        return void reject(kind, 'malformed');
      const given = Buffer.from(
        value.slice(VERSION.length + 1, SEALED_HEADER_LENGTH - 1),
        'base64url',
      );
      const payload = value.slice(SEALED_HEADER_LENGTH);
      if (given.length !== 32) return void reject(kind, 'mac');
      if (timingSafeEqual(given, mac(kind, binding, payload))) return payload;
      if (previous && timingSafeEqual(given, previous(kind, binding, payload))) return payload;
      return void reject(kind, 'mac');
    },
    reject,
  };
}
