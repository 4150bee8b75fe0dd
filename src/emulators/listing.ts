import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * What the emulators' list routes share: the order a list comes in, keyset paging over
 * (creation time, ID), the opaque expiring page tokens of the AWS JSON services, and the
 * deterministic spread of the demo's listed jobs over the 90 days before the emulator started.
 * Written for the emulators only (they import nothing from src/datasources).
 */

/**
 * The order a provider's list operation returns jobs in. Only Import/Export documents one
 * (newest first); the others are set per emulator from what the public examples show.
 */
export type ListOrder = 'newest-first' | 'oldest-first';

/** The emulator option every list route reads. */
export interface ListOptions {
  /** The list order; each emulator's default is the provider's (see its list route). */
  listOrder?: ListOrder;
}

/** How far back the demo's listed jobs go: 90 days, in ms. */
export const LIST_WINDOW_MS = 90 * 86_400_000;

/** What paging needs of a listed job: its creation time in ms and its ID. */
export interface ListPosition {
  createdMs: number;
  id: string;
}

/** A comparator for `order`: creation time, then ID ascending on a tie. */
export function compareListed(order: ListOrder): (a: ListPosition, b: ListPosition) => number {
  const sign = order === 'newest-first' ? -1 : 1;
  return (a, b) =>
    a.createdMs !== b.createdMs
      ? sign * (a.createdMs - b.createdMs)
      : a.id < b.id
        ? -1
        : a.id > b.id
          ? 1
          : 0;
}

/** `jobs` sorted in `order` (a copy). */
export function sortListed<T extends ListPosition>(jobs: readonly T[], order: ListOrder): T[] {
  return [...jobs].sort(compareListed(order));
}

/** The jobs of `sorted` (sorted in `order`) strictly after `position`; all of them when `position` is null. */
export function listedAfter<T extends ListPosition>(
  sorted: readonly T[],
  position: ListPosition | null,
  order: ListOrder,
): T[] {
  if (position === null) return [...sorted];
  const compare = compareListed(order);
  return sorted.filter((job) => compare(job, position) > 0);
}

/** One page of at most `size` jobs, and whether more remain after it. */
export function takePage<T>(jobs: readonly T[], size: number): { items: T[]; more: boolean } {
  return { items: jobs.slice(0, size), more: jobs.length > size };
}

/** Why an opaque token was refused. */
export type TokenRefusal = 'malformed' | 'foreign' | 'expired';

/** The AWS JSON services' pagination tokens, as the emulators make them. */
export interface OpaqueTokens {
  /** A token for the page after `position`, good for `scope` (the request's store and filter) until `nowMs + ttlMs`. */
  issue(scope: string, position: ListPosition, nowMs: number): string;
  /** The position a token carries, or why it is refused. */
  read(
    token: string,
    scope: string,
    nowMs: number,
  ): { ok: true; position: ListPosition } | { ok: false; refusal: TokenRefusal };
}

interface TokenPayload {
  /** Scope digest. */
  s: string;
  /** Position: creation time (ms) and ID of the last job handed out. */
  c: number;
  i: string;
  /** Expiry, ms since 1970. */
  e: number;
}

/**
 * Opaque, integrity-protected, expiring tokens: base64url JSON of the position, the scope
 * digest and the expiry, then `.` and a truncated HMAC-SHA256 under `secret`. A token that does
 * not decode or verify is `malformed`, one made for another scope (store, filter) `foreign`,
 * one past its expiry `expired`. Real AWS tokens are opaque too; their lifetime is not
 * documented for Panorama or HealthOmics (24 hours here).
 */
export function opaqueTokens(secret: string, ttlMs = 86_400_000): OpaqueTokens {
  const mac = (body: string) =>
    createHmac('sha256', secret).update(body).digest('base64url').slice(0, 32);
  const digest = (scope: string) =>
    createHash('sha256').update(scope).digest('base64url').slice(0, 16);
  return {
    issue(scope, position, nowMs) {
      const payload: TokenPayload = {
        s: digest(scope),
        c: position.createdMs,
        i: position.id,
        e: nowMs + ttlMs,
      };
      const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
      return `${body}.${mac(body)}`;
    },
    read(token, scope, nowMs) {
      const dot = token.indexOf('.');
      if (dot <= 0) return { ok: false, refusal: 'malformed' };
      const body = token.slice(0, dot);
      const given = Buffer.from(token.slice(dot + 1));
      const expected = Buffer.from(mac(body));
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return { ok: false, refusal: 'malformed' };
      let payload: TokenPayload;
      try {
        payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
      } catch {
        return { ok: false, refusal: 'malformed' };
      }
      if (payload.s !== digest(scope)) return { ok: false, refusal: 'foreign' };
      if (nowMs > payload.e) return { ok: false, refusal: 'expired' };
      return { ok: true, position: { createdMs: payload.c, id: payload.i } };
    },
  };
}

/** A deterministic fraction in [0, 1) for `label` (SHA-256): the demo data's jitter, the same on every run. */
export function unitHash(label: string): number {
  return createHash('sha256').update(label).digest().readUInt32BE(0) / 2 ** 32;
}

/** Deterministic lower-case hex for `label`, `length` characters (at most 64). */
export function hexHash(label: string, length: number): string {
  return createHash('sha256').update(label).digest('hex').slice(0, length);
}

/** A deterministic UUID-shaped (version 4 layout) ID for `label`. */
export function uuidFor(label: string): string {
  const h = hexHash(label, 32);
  const variant = ['8', '9', 'a', 'b'][parseInt(h[16] as string, 16) % 4] as string;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * `count` creation times (ms) spread over the 90 days before `anchorMs`, newest first and
 * strictly decreasing: slot `i` of `count` equal slots, moved by a deterministic jitter of at
 * most 40% of a slot, floored to `resolutionMs` (1000 for providers that send whole seconds).
 * The newest lies at least a few minutes before the anchor, the oldest inside the window.
 */
export function spreadCreationTimes(
  anchorMs: number,
  count: number,
  seed: string,
  resolutionMs = 1,
): number[] {
  const slot = LIST_WINDOW_MS / count;
  return Array.from({ length: count }, (_, i) => {
    const jitter = (unitHash(`${seed}/${i}`) - 0.5) * 0.8;
    const ms = anchorMs - (i + 0.5 + jitter) * slot;
    return Math.floor(ms / resolutionMs) * resolutionMs;
  });
}

/**
 * Statuses for `count` jobs ordered newest first: the `recent` statuses (non-terminal ones, in
 * the order given, each repeated its count) go to the newest jobs, the `settled` ones
 * (terminal) are shuffled deterministically over the rest. The counts must add up to `count`.
 */
export function assignStatuses(
  count: number,
  recent: readonly (readonly [string, number])[],
  settled: readonly (readonly [string, number])[],
  seed: string,
): string[] {
  const expand = (list: readonly (readonly [string, number])[]) =>
    list.flatMap(([status, n]) => Array.from({ length: n }, () => status));
  const head = expand(recent);
  const tail = expand(settled)
    .map((status, i) => ({ status, key: unitHash(`${seed}/status/${i}`) }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.status);
  const all = [...head, ...tail];
  if (all.length !== count) throw new Error(`status counts add up to ${all.length}, not ${count}`);
  return all;
}
