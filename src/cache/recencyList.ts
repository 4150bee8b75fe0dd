/** An entry of a {@link RecencyList}: its links to the entries put just before and after it. */
export interface Linked<E> {
  older: E | undefined;
  newer: E | undefined;
}

/**
 * Entries in the order they were put, oldest first, for a bounded store that forgets its oldest:
 * a doubly linked list through the entries themselves, not a Map's insertion order — taking a
 * Map's first key walks over every entry deleted before it until V8 rebuilds the table, and a full
 * store deletes its oldest entry on every insert. Only the job-state store
 * (datasources/state/jobStates.ts) keeps its order here: its watched entries are skipped, never
 * evicted, which lru-cache cannot do; every other bounded map is an LRUCache.
 */
export class RecencyList<E extends Linked<E>> {
  #oldest: E | undefined;
  #newest: E | undefined;

  get oldest(): E | undefined {
    return this.#oldest;
  }

  get newest(): E | undefined {
    return this.#newest;
  }

  /** Put `entry`, not in the list, at the newest end. */
  append(entry: E): void {
    entry.older = this.#newest;
    entry.newer = undefined;
    if (this.#newest) this.#newest.newer = entry;
    else this.#oldest = entry;
    this.#newest = entry;
  }

  /** Move `entry`, in the list, to the newest end (it was put or used again). */
  touch(entry: E): void {
    if (entry === this.#newest) return;
    this.unlink(entry);
    this.append(entry);
  }

  /** Take the oldest entry out of the list: it, or undefined when the list is empty. */
  shift(): E | undefined {
    const oldest = this.#oldest;
    if (oldest) this.unlink(oldest);
    return oldest;
  }

  /** Take `entry`, in the list, out of it. */
  unlink(entry: E): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.#oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.#newest = entry.older;
    entry.older = entry.newer = undefined;
  }

  /** Forget every entry. */
  clear(): void {
    this.#oldest = this.#newest = undefined;
  }
}
