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

/** The emulator options every list route reads. */
export interface ListOptions {
  /** The list order; each emulator's default is the provider's (see its list route). */
  listOrder?: ListOrder;
  /**
   * A big account: every listable source of the emulator (see its list route) holds this many
   * generated jobs, 1..MAX_JOBS_PER_SOURCE, spread over the 90 days before it started, instead
   * of the demo's listed jobs. Default: the demo data.
   */
  jobsPerSource?: number;
  /**
   * false: the progressing job is left out of every list answer (its describe still answers it,
   * its source lists one job fewer), so a list whose jobs do not move reads the same at every
   * call — the watch moonshot's big account, whose floor carries no change but the bench's own.
   * Default true.
   */
  listProgressing?: boolean;
}

/** The most jobs `jobsPerSource` may ask of one source (JOBGRAPH_EMULATOR_JOBS_PER_SOURCE's bound). */
export const MAX_JOBS_PER_SOURCE = 100_000;

/** `jobsPerSource` as given, or a RangeError when it is not a whole number from 1 to MAX_JOBS_PER_SOURCE. */
export function checkJobsPerSource(jobsPerSource: number | undefined): number | undefined {
  if (
    jobsPerSource !== undefined &&
    !(Number.isInteger(jobsPerSource) && jobsPerSource >= 1 && jobsPerSource <= MAX_JOBS_PER_SOURCE)
  )
    throw new RangeError(
      `jobsPerSource must be a whole number from 1 to ${MAX_JOBS_PER_SOURCE}; got ${String(jobsPerSource)}`,
    );
  return jobsPerSource;
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
 * A fast deterministic 53-bit hash of `label` (cyrb53, public domain), not cryptographic: the
 * big account's jitter and IDs, where SHA-256 per job would make 100,000 jobs a source slow.
 */
function cyrb53(label: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < label.length; i++) {
    const ch = label.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A deterministic fraction in [0, 1) for `label`, fast (not SHA-256): the big account's jitter. */
function fastUnitHash(label: string): number {
  return cyrb53(label) / 2 ** 53;
}

/** Deterministic lower-case hex for `label`, `length` characters, fast (not SHA-256): the big account's IDs. */
export function fastHexHash(label: string, length: number): string {
  let hex = '';
  for (let seed = 0; hex.length < length; seed++)
    hex += cyrb53(label, seed).toString(16).padStart(14, '0').slice(1);
  return hex.slice(0, length);
}

/** A deterministic UUID-shaped (version 4 layout) ID for `label`, fast (not SHA-256). */
export function fastUuidFor(label: string): string {
  const h = fastHexHash(label, 32);
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
  hash: (label: string) => number = unitHash,
): number[] {
  const slot = LIST_WINDOW_MS / count;
  return Array.from({ length: count }, (_, i) => {
    const jitter = (hash(`${seed}/${i}`) - 0.5) * 0.8;
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
  hash: (label: string) => number = unitHash,
): string[] {
  const expand = (list: readonly (readonly [string, number])[]) =>
    list.flatMap(([status, n]) => Array.from({ length: n }, () => status));
  const head = expand(recent);
  const tail = expand(settled)
    .map((status, i) => ({ status, key: hash(`${seed}/status/${i}`) }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.status);
  const all = [...head, ...tail];
  if (all.length !== count) throw new Error(`status counts add up to ${all.length}, not ${count}`);
  return all;
}

/** What `listedSlots` makes a demo list of. */
export interface ListedSlotsSpec {
  anchorMs: number;
  count: number;
  /** The seed of the times' jitter and of the settled statuses' shuffle. */
  seed: string;
  recent: readonly (readonly [string, number])[];
  settled: readonly (readonly [string, number])[];
  /** As `spreadCreationTimes` (default 1 ms). */
  resolutionMs?: number;
  /** The jobs that share the creation time of the job before them (default none). */
  tiedIndexes?: readonly number[];
}

/**
 * A demo list's jobs, newest first, as creation time (`spreadCreationTimes`, the tied indexes
 * given the time of the job before) and status (`assignStatuses`).
 */
export function listedSlots(spec: ListedSlotsSpec): { createdMs: number; status: string }[] {
  const { anchorMs, count, seed } = spec;
  const created = spreadCreationTimes(anchorMs, count, seed, spec.resolutionMs);
  for (const i of spec.tiedIndexes ?? []) created[i] = created[i - 1] as number;
  const statuses = assignStatuses(count, spec.recent, spec.settled, seed);
  return created.map((createdMs, i) => ({ createdMs, status: statuses[i] as string }));
}

/** Where a job stands in a list: its position and the status its describe answer (and list summary) carries. */
export interface ListPlace extends ListPosition {
  readonly status: string;
}

/** A listed job's place and its index in its source (0 = newest): what a generated job's body is made from. */
export interface ListedSlot extends ListPlace {
  readonly index: number;
}

/** One job of a list source as the list routes page it: its place, its whole body built when asked. */
export interface ListedJob<J> extends ListPlace {
  /** The whole job, as the describe operation answers it. */
  job(): J;
}

/** A source's jobs in one order, read by position (an array, or a view that builds entries as read). */
export interface ListView<T> {
  readonly length: number;
  at(k: number): T | undefined;
}

/** The jobs of one list source (a region, a reference store, an account). */
export interface JobList<J> {
  readonly size: number;
  /** The jobs in `order` (creation time, then ID ascending). */
  sorted(order: ListOrder): ListView<ListedJob<J>>;
  /** The job with this ID, or undefined. */
  find(id: string): ListedJob<J> | undefined;
  /** Every job, newest first (ties in any order): for tests and `listedDemoJobs`. */
  entries(): ListedJob<J>[];
}

/** A list source of whole jobs held in memory (the demo's few dozen): sorted once per order. */
export function listOfJobs<J>(jobs: readonly J[], place: (job: J) => ListPlace): JobList<J> {
  const entries: ListedJob<J>[] = jobs.map((job) => ({ ...place(job), job: () => job }));
  const byOrder = new Map<ListOrder, readonly ListedJob<J>[]>();
  const byId = new Map(entries.map((e) => [e.id, e]));
  return {
    size: entries.length,
    sorted(order) {
      let sorted = byOrder.get(order);
      if (!sorted) byOrder.set(order, (sorted = sortListed(entries, order)));
      return sorted;
    },
    find: (id) => byId.get(id),
    entries: () => [...entries],
  };
}

/** A generated job as a page or a describe reads it: made when read, its body built from it on demand. */
class GeneratedJob<J> implements ListedJob<J>, ListedSlot {
  constructor(
    private readonly build: (slot: ListedSlot) => J,
    readonly index: number,
    readonly createdMs: number,
    readonly id: string,
    readonly status: string,
  ) {}

  job(): J {
    return this.build(this);
  }
}

type Counts = readonly (readonly [string, number])[];

/**
 * The statuses of a generated source, as weights: `recent` (non-terminal) ones go to the newest
 * jobs, `settled` (terminal) ones are shuffled over the rest.
 */
export interface StatusMix {
  recent: Counts;
  settled: Counts;
}

/**
 * `mix` scaled to `count` jobs: whole counts in the weights' proportions adding up to `count`
 * (largest remainder; ties to the status listed first), so 3,000 jobs have every status of a
 * mix whose smallest share is at least 1/3,000.
 */
function scaleMix(count: number, mix: StatusMix): { recent: Counts; settled: Counts } {
  const all = [...mix.recent, ...mix.settled];
  const total = all.reduce((sum, [, w]) => sum + w, 0);
  const exact = all.map(([, w]) => (count * w) / total);
  const counts = exact.map(Math.floor);
  let left = count - counts.reduce((a, b) => a + b, 0);
  const byRemainder = exact
    .map((x, i) => ({ i, r: x - Math.floor(x) }))
    .sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    counts[i] = (counts[i] as number) + 1;
    left -= 1;
  }
  const scaled = all.map(([status], i) => [status, counts[i] as number] as const);
  return { recent: scaled.slice(0, mix.recent.length), settled: scaled.slice(mix.recent.length) };
}

/** How to generate one big-account source (see `generatedList`). */
export interface GeneratedListSpec<J> {
  /** How many jobs. */
  count: number;
  /** The emulator's start, ms: the jobs lie in the 90 days before it. */
  anchorMs: number;
  /** What makes this source's times and statuses its own (e.g. `panorama/eu-west-1`). */
  seed: string;
  /** 1000 for providers that send whole seconds (default 1). */
  resolutionMs?: number;
  mix: StatusMix;
  /** When set, every `tieEvery`th job shares the creation time of the job before it (whole-second providers do have ties). */
  tieEvery?: number;
  /** The job ID of job `index` (0 = newest), distinct per index; called as jobs are read, so keep it cheap. */
  id: (index: number) => string;
  /** The whole job (its describe body), with exactly this slot's ID, creation time and status. */
  build: (slot: ListedSlot) => J;
}

/**
 * A big-account source of `count` jobs, the same for the same spec (times relative to the
 * anchor). It holds per job only its creation time and status (9 bytes) and, per order read,
 * its place in that order (4 bytes; creation times only decrease, so an order is the index order
 * with each group of tied times sorted by ID); an entry is made as a page or a describe reads it,
 * the job's body when asked. Finding a job by ID builds an ID index on first use. Creation times
 * as `spreadCreationTimes`, statuses as `assignStatuses` over `scaleMix`, with the fast hash.
 */
export function generatedList<J>(spec: GeneratedListSpec<J>): JobList<J> {
  const { count, seed, build } = spec;
  const times = spreadCreationTimes(spec.anchorMs, count, seed, spec.resolutionMs, fastUnitHash);
  if (spec.tieEvery !== undefined)
    for (let i = spec.tieEvery - 1; i < count; i += spec.tieEvery)
      if (i > 0) times[i] = times[i - 1] as number;
  const created = Float64Array.from(times);
  const { recent, settled } = scaleMix(count, spec.mix);
  const names = [...recent, ...settled].map(([status]) => status);
  const code = new Map(names.map((name, i) => [name, i]));
  const statuses = Uint8Array.from(
    assignStatuses(count, recent, settled, seed, fastUnitHash),
    (status) => code.get(status) as number,
  );
  const entry = (i: number) =>
    new GeneratedJob(
      build,
      i,
      created[i] as number,
      spec.id(i),
      names[statuses[i] as number] as string,
    );
  const views = new Map<ListOrder, ListView<ListedJob<J>>>();
  let byId: Map<string, number> | null = null;
  return {
    size: count,
    sorted(order) {
      let view = views.get(order);
      if (!view) {
        const places = Int32Array.from({ length: count }, (_, k) =>
          order === 'newest-first' ? k : count - 1 - k,
        );
        for (let k = 0; k < count;) {
          let end = k + 1;
          while (end < count && created[places[end] as number] === created[places[k] as number])
            end += 1;
          if (end - k > 1) {
            const ids = [...places.subarray(k, end)].map((i) => ({ i, id: spec.id(i) }));
            ids.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
            places.set(
              ids.map((x) => x.i),
              k,
            );
          }
          k = end;
        }
        view = {
          length: count,
          at: (k) => (k >= 0 && k < count ? entry(places[k] as number) : undefined),
        };
        views.set(order, view);
      }
      return view;
    },
    find(id) {
      byId ??= new Map(Array.from({ length: count }, (_, i) => [spec.id(i), i]));
      const i = byId.get(id);
      return i === undefined ? undefined : entry(i);
    },
    entries: () => Array.from({ length: count }, (_, i) => entry(i)),
  };
}

/** How a provider generates a big account's source in one of its regions or stores (see `bigAccountJobs`). */
export interface BigAccountSpec<J> {
  /** What makes the provider's times and statuses its own; a source's seed is `${seed}/${source}`. */
  seed: string;
  mix: StatusMix;
  /** As in `GeneratedListSpec`. */
  resolutionMs?: number;
  tieEvery?: number;
  /** The job ID of job `index` (0 = newest) of a source. */
  id: (source: string, index: number) => string;
  /** The whole job of a slot of a source. */
  build: (slot: ListedSlot, source: string) => J;
}

/** A big account's source (`jobsPerSource`): `count` generated jobs of `source` over the 90 days before `anchorMs`. */
export function bigAccountJobs<J>(
  spec: BigAccountSpec<J>,
  anchorMs: number,
  source: string,
  count: number,
): JobList<J> {
  const { seed, id, build, ...rest } = spec;
  return generatedList({
    ...rest,
    count,
    anchorMs,
    seed: `${seed}/${source}`,
    id: (index) => id(source, index),
    build: (slot) => build(slot, source),
  });
}

/**
 * One page of at most `size` jobs strictly after `position` in `order`, those `accept` takes,
 * and whether more such jobs follow: from `sorted` (a source sorted in `order`, found by binary
 * search, so a walk of a big source costs a page's work a page) merged with `extras` (a few
 * jobs whose position moves, such as a progressing job).
 */
export function pageAfter<T extends ListPosition>(
  sorted: ListView<T>,
  extras: readonly T[],
  position: ListPosition | null,
  order: ListOrder,
  size: number,
  accept: (item: T) => boolean = () => true,
): { items: T[]; more: boolean } {
  const compare = compareListed(order);
  let from = 0;
  if (position !== null) {
    let to = sorted.length;
    while (from < to) {
      const mid = (from + to) >>> 1;
      if (compare(sorted.at(mid) as T, position) > 0) to = mid;
      else from = mid + 1;
    }
  }
  const rest = sortListed(
    extras.filter((e) => position === null || compare(e, position) > 0),
    order,
  );
  const items: T[] = [];
  let i = from;
  let j = 0;
  while (i < sorted.length || j < rest.length) {
    const next =
      j < rest.length && (i >= sorted.length || compare(rest[j] as T, sorted.at(i) as T) < 0)
        ? (rest[j++] as T)
        : (sorted.at(i++) as T);
    if (!accept(next)) continue;
    if (items.length === size) return { items, more: true };
    items.push(next);
  }
  return { items, more: false };
}

/**
 * A small cache of sources made on demand by key (regions other than the demo's, in a big
 * account), the least recently used dropped past `max`: a client walking many regions costs
 * regeneration (deterministic, so nothing changes), never unbounded memory.
 */
export function sourceCache<T>(max: number, make: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = make(key);
      if (cache.size >= max) cache.delete(cache.keys().next().value as string);
    } else cache.delete(key);
    cache.set(key, value);
    return value;
  };
}
