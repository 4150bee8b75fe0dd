import { LRUCache } from 'lru-cache';
import type { Config } from '../../config/index.ts';
import { UpstreamError } from '../../errors.ts';
import type { JobProvider } from '../../model/job.ts';
import { PROVIDER_LABEL } from '../shared/classify.ts';
import { SourceNotRead } from './coldSources.ts';
import type { ListCallContext } from './guardedCall.ts';
import { Snapshot } from './snapshot.ts';
import type { Listed } from './summaries.ts';

/**
 * Most bytes the snapshots of one process hold (as `Snapshot.bytes` counts them): past it the
 * least recently read go first. About 450,000 jobs at the 90–290 bytes a job costs with the
 * providers' summaries (docs/listing.md).
 */
const LIST_SNAPSHOT_MAX_BYTES = 64 * 1024 * 1024;

/** Small values kept beside the snapshots (a region's reference stores), at most this many. */
const MAX_SMALL_VALUES = 256;

/**
 * Where the replicas share snapshots (Redis: src/cache/redisListSnapshots.ts), as text
 * (`Snapshot.toWire`). Every call may fail or be slow: a failure is a miss, never an error.
 */
export interface SharedSnapshotStore {
  /** The texts stored under `keys`, in order (undefined: none, or the store failed). */
  get(keys: readonly string[]): Promise<(string | undefined)[]>;
  /** Store `text` under `key` for `ttlMs` (failures are the store's to log; never thrown). */
  set(key: string, text: string, ttlMs: number): void;
  close(): Promise<void>;
}

/** How to read a source whole, when no snapshot of it will do. */
export interface SnapshotFill {
  provider: JobProvider;
  /** Whose fair share of the provider's cap the read runs in: the first reader's. */
  caller: string;
  /** The read's deadline, from its start, in ms (JOBGRAPH_UPSTREAM_BUDGET_MS). */
  budgetMs: number;
  /**
   * Every item of the source, every upstream call made through `ctx` (its own signal and
   * deadline: the read goes on while anyone waits for it), counting its pages in `progress` —
   * or, for one page of a source read page by page, that page's items, its `next` token set in
   * `progress` (kept in the snapshot: `Snapshot.next`).
   */
  read(ctx: ListCallContext, progress: ReadProgress): Promise<Listed[]>;
  /**
   * Asked just before this fill would start a read (none held, in flight or shared): false
   * refuses it (SourceNotRead), as a request's spent bound on cold sources does. Absent: always.
   */
  admit?: () => boolean;
}

/** How far a fill's read got: its upstream pages, and the token after them (null: none). */
export interface ReadProgress {
  pages: number;
  next: string | null;
}

/** A read in flight, shared by whoever wants the same snapshot meanwhile. */
interface Flight {
  readonly takenAt: number;
  readonly ctx: ListCallContext;
  readonly abort: AbortController;
  promise: Promise<Snapshot>;
  waiters: number;
  done: boolean;
  /** Every waiter left: the read is being stopped, so nobody joins it any more. */
  abandoned: boolean;
}

export interface ListSnapshotsOptions {
  /** How long a snapshot is kept and served, in ms (0: none kept; concurrent reads still shared). */
  ttlMs: number;
  /** Default LIST_SNAPSHOT_MAX_BYTES. */
  maxBytes?: number;
  /** The clock snapshots are dated by, ms (tests move it by hand); default Date.now. */
  now?: () => number;
  /** The replicas' shared store (Redis), if any. */
  shared?: SharedSnapshotStore;
  /** Told of a source that could not be read whole within its deadline. */
  onSlowRead?: (fields: { source: string; pages: number; budgetMs: number }) => void;
}

/**
 * The snapshots of the sources `listJobs` reads whole (src/datasources/listing/snapshot.ts), one
 * set per gateway, shared by every page, caller and list-assisted watcher of its sources — and,
 * with a shared store, by the replicas. Keys name a source and the filter its provider applied
 * (`panorama:us-east-1`, `omics:us-east-1:1234567890?status=FAILED`): never a caller, never a
 * secret.
 *
 * A snapshot is served while it is at most `ttlMs` old (a watcher asks for younger: its poll
 * interval). Wanted and not held: another replica's from the shared store, else one read of the
 * source, shared by every reader that wants it before it ends (in this process). A read runs
 * under its own deadline (one budget from its start) and signal, so one reader going away does
 * not fail the others; it is stopped when none waits any more. Memory: at most `maxBytes`, least
 * recently read dropped first; a snapshot older than `ttlMs` is dropped when next looked at or
 * when another is kept.
 */
export class ListSnapshots {
  readonly ttlMs: number;
  readonly now: () => number;
  readonly #shared: SharedSnapshotStore | undefined;
  readonly #onSlowRead: ListSnapshotsOptions['onSlowRead'];
  /** lru-cache, at most `maxBytes` (Snapshot.bytes); the age is judged here, by `takenAt`. */
  readonly #held: LRUCache<string, Snapshot>;
  readonly #flights = new Map<string, Flight>();
  readonly #small = new LRUCache<string, { at: number; pending: boolean; value: Promise<unknown> }>(
    { max: MAX_SMALL_VALUES },
  );

  constructor(options: ListSnapshotsOptions) {
    this.ttlMs = options.ttlMs;
    this.now = options.now ?? Date.now;
    this.#held = new LRUCache({
      maxSize: options.maxBytes ?? LIST_SNAPSHOT_MAX_BYTES,
      sizeCalculation: (snapshot) => Math.max(1, snapshot.bytes),
    });
    this.#shared = options.shared;
    this.#onSlowRead = options.onSlowRead;
  }

  /** Bytes the snapshots held here take (estimated). */
  get bytes(): number {
    return this.#held.calculatedSize;
  }

  /** Job summaries the snapshots held here keep (a job in two snapshots counts twice). */
  get jobs(): number {
    let jobs = 0;
    for (const snapshot of this.#held.values()) jobs += snapshot.size;
    return jobs;
  }

  /** The snapshot of `key` held here, if it is at most `maxAgeMs` old. */
  held(key: string, maxAgeMs: number): Snapshot | undefined {
    const snapshot = this.#held.peek(key);
    if (!snapshot) return undefined;
    const age = this.now() - snapshot.takenAt;
    if (age > this.ttlMs) {
      this.#held.delete(key);
      return undefined;
    }
    if (age > maxAgeMs) return undefined;
    // Least recently read last out.
    return this.#held.get(key);
  }

  /**
   * A snapshot of one of `keys` (preferred first) at most `maxAgeMs` old: held here, the read of
   * one in flight (begun at most `joinWithinMs` ago; waited for until it ends or `wait` aborts,
   * its failure thrown), or another replica's; undefined when there is none.
   */
  async existing(
    keys: readonly string[],
    maxAgeMs: number,
    wait?: AbortSignal,
    joinWithinMs = Infinity,
  ): Promise<Snapshot | undefined> {
    for (const key of keys) {
      const held = this.held(key, maxAgeMs);
      if (held) return held;
    }
    for (const key of keys) {
      const flight = this.#joinable(key, joinWithinMs);
      if (flight) return this.#wait(flight, wait);
    }
    return this.#fromShared(keys, maxAgeMs);
  }

  /**
   * The snapshot of `key` at most `maxAgeMs` old: an existing one (of `prefer` first: a superset
   * that serves as well, such as the source without its provider's filter), else one read by
   * `fill`, shared by whoever wants `key` while it runs. `calls`: the upstream calls of the read
   * when this call started it, else 0. Rejects with the read's failure (a read not done within
   * its deadline: UPSTREAM_UNAVAILABLE saying so), `wait`'s reason when it aborts first, or
   * SourceNotRead when a read was needed and `fill.admit` refused it.
   */
  async take(
    key: string,
    maxAgeMs: number,
    fill: SnapshotFill,
    wait?: AbortSignal,
    prefer?: string,
  ): Promise<{ snapshot: Snapshot; calls: number }> {
    const keys = prefer !== undefined && prefer !== key ? [prefer, key] : [key];
    const found = await this.existing(keys, maxAgeMs, wait);
    if (found) return { snapshot: found, calls: 0 };
    // Another reader may have started it while the shared store answered.
    const running = this.#joinable(key, Infinity);
    if (running) return { snapshot: await this.#wait(running, wait), calls: 0 };
    if (fill.admit && !fill.admit()) throw new SourceNotRead(key);
    const flight = this.#start(key, fill);
    const snapshot = await this.#wait(flight, wait);
    return { snapshot, calls: flight.ctx.calls };
  }

  /** Keep `snapshot` of `key` (a newer one already held stays) and share it with the replicas. */
  keep(key: string, snapshot: Snapshot): void {
    if (this.#keepHere(key, snapshot) && this.#shared) {
      const ttl = this.ttlMs - (this.now() - snapshot.takenAt);
      if (ttl > 0) this.#shared.set(key, snapshot.toWire(), ttl);
    }
  }

  /**
   * A small value read once for every reader while it is at most `ttlMs` old (a region's
   * reference stores): concurrent readers share one read; a failed read is not kept.
   */
  remember<T>(key: string, read: () => Promise<T>): Promise<T> {
    const now = this.now();
    const hit = this.#small.get(key);
    if (hit && (hit.pending || now - hit.at <= this.ttlMs)) return hit.value as Promise<T>;
    const entry = { at: now, pending: true, value: read() as Promise<unknown> };
    this.#small.set(key, entry);
    entry.value.then(
      () => {
        entry.pending = false;
        if (this.ttlMs === 0 && this.#small.peek(key) === entry) this.#small.delete(key);
      },
      () => {
        if (this.#small.peek(key) === entry) this.#small.delete(key);
      },
    );
    return entry.value as Promise<T>;
  }

  /** Whether `remember(key, …)` would be answered without reading now (held, or being read). */
  remembers(key: string): boolean {
    const hit = this.#small.peek(key);
    return hit !== undefined && (hit.pending || this.now() - hit.at <= this.ttlMs);
  }

  /** Drop every snapshot held here (the shared store keeps its own until they expire). */
  clear(): void {
    this.#held.clear();
    this.#small.clear();
  }

  #keepHere(key: string, snapshot: Snapshot): boolean {
    if (this.ttlMs === 0 || this.now() - snapshot.takenAt > this.ttlMs) return false;
    const old = this.#held.peek(key);
    if (old && old.takenAt > snapshot.takenAt) return false;
    const now = this.now();
    const stale: string[] = [];
    for (const [k, s] of this.#held.entries()) if (now - s.takenAt > this.ttlMs) stale.push(k);
    for (const k of stale) this.#held.delete(k);
    // The least recently read go while over the bound; one larger than it is not held (lru-cache
    // refuses it, dropping the older one of its key), yet still shared.
    this.#held.set(key, snapshot);
    return true;
  }

  #joinable(key: string, withinMs: number): Flight | undefined {
    const flight = this.#flights.get(key);
    if (!flight || flight.done || flight.abandoned) return undefined;
    return this.now() - flight.takenAt <= withinMs ? flight : undefined;
  }

  async #fromShared(keys: readonly string[], maxAgeMs: number): Promise<Snapshot | undefined> {
    if (!this.#shared) return undefined;
    const texts = await this.#shared.get(keys).catch(() => [] as (string | undefined)[]);
    for (let i = 0; i < keys.length; i++) {
      const text = texts[i];
      const snapshot = text === undefined ? null : Snapshot.fromWire(text);
      if (!snapshot || this.now() - snapshot.takenAt > maxAgeMs) continue;
      this.#keepHere(keys[i] as string, snapshot);
      return snapshot;
    }
    return undefined;
  }

  #start(key: string, fill: SnapshotFill): Flight {
    const abort = new AbortController();
    const deadline = AbortSignal.timeout(fill.budgetMs);
    const ctx: ListCallContext = { caller: fill.caller, signal: abort.signal, deadline, calls: 0 };
    const flight: Flight = {
      takenAt: this.now(),
      ctx,
      abort,
      promise: Promise.resolve(null as unknown as Snapshot),
      waiters: 0,
      done: false,
      abandoned: false,
    };
    const progress: ReadProgress = { pages: 0, next: null };
    flight.promise = (async () => {
      try {
        const items = await fill.read(ctx, progress);
        const snapshot = Snapshot.of(items, flight.takenAt, progress.pages, progress.next);
        this.keep(key, snapshot);
        return snapshot;
      } catch (err) {
        if (!deadline.aborted || abort.signal.aborted) throw err;
        this.#onSlowRead?.({ source: key, pages: progress.pages, budgetMs: fill.budgetMs });
        throw new UpstreamError({
          provider: fill.provider,
          code: 'UPSTREAM_UNAVAILABLE',
          message: `${PROVIDER_LABEL[fill.provider]} did not list ${key} whole within ${fill.budgetMs} ms (JOBGRAPH_UPSTREAM_BUDGET_MS): ${progress.pages} pages read, more to come.`,
          retryable: false,
          cause: err,
        });
      } finally {
        flight.done = true;
        if (this.#flights.get(key) === flight) this.#flights.delete(key);
      }
    })();
    // Its waiters hear of a failure; with none left, nobody needs to.
    flight.promise.catch(() => undefined);
    this.#flights.set(key, flight);
    return flight;
  }

  async #wait(flight: Flight, signal: AbortSignal | undefined): Promise<Snapshot> {
    flight.waiters += 1;
    try {
      if (!signal) return await flight.promise;
      signal.throwIfAborted();
      return await new Promise<Snapshot>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        flight.promise.then(resolve, reject).finally(() => {
          signal.removeEventListener('abort', onAbort);
        });
      });
    } finally {
      flight.waiters -= 1;
      if (flight.waiters === 0 && !flight.done) {
        flight.abandoned = true;
        flight.abort.abort(new Error('no reader waits for this list any more'));
      }
    }
  }
}

/** The snapshots of a gateway from its configuration (JOBGRAPH_LIST_SNAPSHOT_SECONDS). */
export function createListSnapshots(
  config: Config,
  options: Omit<ListSnapshotsOptions, 'ttlMs'> = {},
): ListSnapshots {
  return new ListSnapshots({ ttlMs: config.listing.snapshotSeconds * 1000, ...options });
}
