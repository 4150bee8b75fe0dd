/**
 * The `jobHistory` searches each caller has running, at most `perCaller` at once
 * (SEARCHES_PER_CALLER): a search holds a worker thread (SQLite) or a pooled
 * connection (PostgreSQL) for up to its time limit, and one caller asking many at once would hold
 * them all. Per process: a caller's searches on two replicas count on each.
 */
/**
 * The `jobHistory` searches one caller may have running at once: 2 lets a console page search
 * while another of its tabs does, and keeps one caller from holding more than two search workers
 * (SQLite) or half of the four pooled search connections (PostgreSQL). Fixed (was
 * JOBGRAPH_HISTORY_SEARCHES_PER_CALLER).
 */
export const SEARCHES_PER_CALLER = 2;

export class SearchSlots {
  readonly #running = new Map<string, number>();

  /** `perCaller`: the searches one caller may have running at once. */
  constructor(readonly perCaller: number) {}

  /** A slot for `caller` (its caller key): the function that frees it, or null when all of its slots are taken. */
  take(caller: string): (() => void) | null {
    const running = this.#running.get(caller) ?? 0;
    if (running >= this.perCaller) return null;
    this.#running.set(caller, running + 1);
    let freed = false;
    return () => {
      if (freed) return;
      freed = true;
      const left = (this.#running.get(caller) ?? 1) - 1;
      if (left > 0) this.#running.set(caller, left);
      else this.#running.delete(caller);
    };
  }
}
