/**
 * Reconciliation reads of jobs live by events fall on multiples of at least this (ms), so that the
 * reads due within it share a provider's batch describe (AWS Batch: 100 jobs a DescribeJobs call).
 */
const RECONCILE_SLOT_MS = 10_000;

/** A reconciliation interval is cut into at most this many grid points' spans. */
const RECONCILE_SLOTS = 5;

/**
 * The most reconciliation reads one grid point takes (default): one turn of the event loop runs
 * them, so this bounds that turn (ten DescribeJobs of 100); a read due at a full point goes to the
 * next one.
 */
const RECONCILE_SLOT_READS = 1000;

/** The finest grid (ms), however many jobs are watched. */
const RECONCILE_GRID_MIN_MS = 1000;

/**
 * Where the reconciliation reads of a process go: on a grid of `gridMs` and at most `slotReads` a
 * point. With few jobs the grid is a fifth of the reconciliation (at least RECONCILE_SLOT_MS): a
 * place whose few watched jobs were watched at different moments has its reads of an interval in
 * at most RECONCILE_SLOTS instants, each one DescribeJobs for all of them (14 jobs at 300 s: at most
 * 1 call a minute, test/subscriptions/reconcileReads.test.ts). With many, it is finer, so that the
 * points take twice the reads the watched jobs need at a steady pace (watched ÷ reconcileMs): at
 * 100,000 jobs and 300 s, a point every 1.5 s holding about 500, where whole fifths made 20,000
 * reads in one turn each minute and held the event loop for seconds. A read's grid is its own
 * reconciliation's (a best-effort kind's is shorter, coverage.ts `reconcileMsOf`); every grid's
 * points are counted together, so an instant holds at most `slotReads` whatever their intervals.
 */
export class ReconcileGrid {
  /** Reads placed on each grid point still to come (scheduler ms → reads). */
  readonly #placed = new Map<number, number>();
  #sincePrune = 0;

  constructor(readonly slotReads = RECONCILE_SLOT_READS) {}

  /** The step (ms) of the grid of reads every `reconcileMs`, with `watched` jobs watched. */
  gridMs(watched: number, reconcileMs: number): number {
    const fifth = Math.max(RECONCILE_SLOT_MS, Math.floor(reconcileMs / RECONCILE_SLOTS));
    const paced = Math.floor((reconcileMs * this.slotReads) / (2 * Math.max(1, watched)));
    return Math.max(RECONCILE_GRID_MIN_MS, Math.min(fifth, paced));
  }

  /**
   * Place one read due at `at` (scheduler ms) of a job reconciled every `reconcileMs`: the wait
   * from `now` to the first point of its grid at or after it with room. A read placed and then not made (its job changed course) keeps its place
   * counted until the point passes: a point holds at most `slotReads`, perhaps fewer.
   */
  place(now: number, at: number, watched: number, reconcileMs: number): number {
    const grid = this.gridMs(watched, reconcileMs);
    let point = Math.ceil(at / grid) * grid;
    while ((this.#placed.get(point) ?? 0) >= this.slotReads) point += grid;
    this.#placed.set(point, (this.#placed.get(point) ?? 0) + 1);
    if (++this.#sincePrune >= this.slotReads) this.#prune(now);
    return point - now;
  }

  /** Forget the points that have passed. */
  #prune(now: number): void {
    this.#sincePrune = 0;
    for (const point of this.#placed.keys()) if (point < now) this.#placed.delete(point);
  }
}
