import { LRUCache } from 'lru-cache';

/** Timers a pool uses for its idle sweep; injectable so tests drive time themselves. */
export interface PoolTimers {
  now(): number;
  /** Call `fn` after `ms`; the returned function cancels it. Must not keep the process alive. */
  schedule(fn: () => void, ms: number): () => void;
}

const REAL_TIMERS: PoolTimers = {
  now: () => Date.now(),
  schedule(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

/**
 * Regional clients a provider keeps open (the least recently used closed first, an idle one after
 * CLIENT_IDLE_MS): 32 is every region a provider serves at once for a caller asking across them,
 * while bounding what a caller naming many regions can make it hold; they share the provider's
 * one socket pool. Fixed (was JOBGRAPH_MAX_CLIENTS_PER_PROVIDER).
 */
export const DEFAULT_MAX_CLIENTS = 32;

/** How long a client may go unused before it is closed, in ms. */
const CLIENT_IDLE_MS = 60_000;

export interface ClientPoolOptions<C> {
  create(key: string): C;
  destroy(client: C): void;
  /** Most clients kept open; the least recently used one is destroyed to make room. */
  max: number;
  /** Close a client unused for this long, in ms (default 60 000). */
  idleMs?: number;
  timers?: PoolTimers;
}

/**
 * Long-lived clients by key (a region), bounded: at most `max` open, least recently used one
 * destroyed first, and any client unused for `idleMs` destroyed by a sweep. A request that
 * still holds an evicted client finishes on it: the clients share their provider's sockets,
 * which outlive them.
 */
export class ClientPool<C> {
  readonly #options: ClientPoolOptions<C>;
  readonly #timers: PoolTimers;
  readonly #idleMs: number;
  /** lru-cache: at most `max`, each client destroyed as it leaves (evicted, deleted, swept, closed). */
  readonly #clients: LRUCache<string, { client: C; lastUsed: number }>;
  #cancelSweep: (() => void) | null = null;

  constructor(options: ClientPoolOptions<C>) {
    if (!(options.max >= 1)) throw new RangeError('ClientPool needs max of at least 1');
    this.#options = options;
    this.#timers = options.timers ?? REAL_TIMERS;
    this.#idleMs = options.idleMs ?? CLIENT_IDLE_MS;
    this.#clients = new LRUCache({
      max: options.max,
      dispose: (entry) => options.destroy(entry.client),
    });
  }

  /** Clients open now. */
  get size(): number {
    return this.#clients.size;
  }

  /** The keys of the open clients, least recently used first. */
  keys(): string[] {
    return [...this.#clients.rkeys()];
  }

  /** The client for `key`, created on first use (evicting the least recently used one when full). */
  get(key: string): C {
    const now = this.#timers.now();
    const entry = this.#clients.get(key);
    if (entry) {
      entry.lastUsed = now;
      return entry.client;
    }
    const client = this.#options.create(key);
    this.#clients.set(key, { client, lastUsed: now });
    this.#scheduleSweep();
    return client;
  }

  /** Destroy the client for `key`, if one is open. */
  delete(key: string): void {
    this.#clients.delete(key);
  }

  /** Destroy the clients unused for `idleMs` or more. */
  sweep(): void {
    const cutoff = this.#timers.now() - this.#idleMs;
    const idle: string[] = [];
    for (const key of this.#clients.rkeys()) {
      // Recency order: the rest are newer.
      if (this.#clients.peek(key)!.lastUsed > cutoff) break;
      idle.push(key);
    }
    for (const key of idle) this.#clients.delete(key);
  }

  #scheduleSweep(): void {
    if (this.#cancelSweep) return;
    const oldest = this.#clients.rvalues().next().value;
    if (!oldest) return;
    const due = Math.max(0, oldest.lastUsed + this.#idleMs - this.#timers.now());
    this.#cancelSweep = this.#timers.schedule(() => {
      this.#cancelSweep = null;
      this.sweep();
      this.#scheduleSweep();
    }, due);
  }

  /** Destroy every client and stop the sweep. */
  close(): void {
    this.#cancelSweep?.();
    this.#cancelSweep = null;
    this.#clients.clear();
  }
}
