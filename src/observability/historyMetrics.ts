import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The history store's last measure (src/history/budget.ts; its fields absent before the first),
 * and how far its writer is behind now, as its gauges read them.
 */
export interface HistorySizeView {
  readonly bytes?: number;
  readonly maxBytes?: number;
  /** The oldest job's time (ISO); null: the store holds no job. */
  readonly oldestAt?: string | null;
  /** The age of the oldest change recorded and not yet written, seconds (src/history/writer.ts). */
  readonly lagSeconds?: number;
  /** Background reads of watched jobs deferred while the writer was over its bound, since start. */
  readonly deferredReads?: number;
}

/**
 * `jobgraph_history_bytes`, `jobgraph_history_max_bytes` and `jobgraph_history_oldest_seconds`,
 * read at scrape time from the store's last measure (taken every minute, not at the scrape); no
 * sample before the first measure, or without a history store. `jobgraph_history_lag_seconds`, the
 * writer's lag, is read at the scrape.
 */
export function historyGauges(
  registers: Registry[],
  view: () => HistorySizeView | null | undefined,
  now: () => number = Date.now,
): void {
  const gauge = (name: string, help: string, value: (v: HistorySizeView) => number | null) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.reset();
        const v = view();
        const n = v ? value(v) : null;
        if (n !== null) this.set(n);
      },
    });
  gauge(
    'jobgraph_history_bytes',
    'Bytes the history store uses (SQLite: the file less its free pages; PostgreSQL: its tables with their indexes), measured every minute (docs/history.md#size-budget).',
    (v) => v.bytes ?? null,
  );
  gauge(
    'jobgraph_history_max_bytes',
    "The history store's size budget (JOBGRAPH_HISTORY_MAX_BYTES): warned at 90 %, the oldest finished jobs pruned at it (SQLite).",
    (v) => v.maxBytes ?? null,
  );
  gauge(
    'jobgraph_history_oldest_seconds',
    "Age of the history store's oldest job (its finished time, else created, else first seen), in seconds, at its last measure.",
    (v) => (v.oldestAt == null ? null : Math.max(0, (now() - Date.parse(v.oldestAt)) / 1000)),
  );
  gauge(
    'jobgraph_history_lag_seconds',
    "How far the history writer is behind: the age of the oldest job change recorded and not yet committed, in seconds (0: none waits). While the store keeps pace it stays under the group commit's second; past it, what waits is coalesced per job (docs/history.md#writes-and-what-a-crash-loses).",
    (v) => v.lagSeconds ?? null,
  );
  new Counter({
    name: 'jobgraph_history_deferred_reads_total',
    help: "Background reads of watched jobs (polls, reconciliation reads, list-group passes) deferred while the history writer was over its bound (10,000 jobs waiting): each is tried again a poll interval later; a caller's query is never deferred (docs/history.md#falling-behind).",
    registers,
    collect() {
      this.reset();
      const n = view()?.deferredReads;
      if (n !== undefined) this.inc(n);
    },
  });
}
