/**
 * When a watched job's hinted read goes (a HealthOmics or CodePipeline event says the job changed
 * without its record): at most one read in flight, and at most one a poll interval
 * (JOBGRAPH_WATCH_POLL_MS) after the last read started, however many hints come. A hint while a
 * read is in flight owes one read after it (the read may have started before the change); a
 * hint within the interval of the last read waits for the interval's end. Best-effort events
 * may come duplicated or in floods: the provider is read at the watch's pace, never the queue's.
 */
export class HintGate {
  /** When the last read started (scheduler ms). */
  #readAt = Number.NEGATIVE_INFINITY;
  /** A hint came while a read was in flight. */
  #owed = false;

  /** A read of the job started at `now`: it answers every hint before it. */
  reading(now: number): void {
    this.#readAt = now;
    this.#owed = false;
  }

  /** A hint at `now`: read in how many ms (0: now), or null while a read is in flight (one more is owed after it). */
  hint(now: number, fetching: boolean, pollMs: number): number | null {
    if (fetching) {
      this.#owed = true;
      return null;
    }
    return Math.max(0, this.#readAt + pollMs - now);
  }

  /** A read ended at `now`: the wait before the read a hint during it owes (null: none owed). */
  owed(now: number, pollMs: number): number | null {
    if (!this.#owed) return null;
    this.#owed = false;
    return Math.max(0, this.#readAt + pollMs - now);
  }
}
