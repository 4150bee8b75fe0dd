import { Counter, Gauge, type Registry } from 'prom-client';
import type { JobProvider } from '../model/job.ts';

// The metrics of what is fed by the job events and other outside input, read at scrape time:
// how full each bounded store is, the reads that corrected an event, each event queue's state.

type Registers = Registry[];

/** How full a bounded store is, and its bounds (src/cache/approxBytes.ts `StoreFill`). */
export interface StoreFillView {
  store: string;
  entries: number;
  bytes: number;
  maxEntries: number;
  maxBytes: number;
}

/** A store that says how full it is. */
export interface BoundedStore {
  fill?(): StoreFillView;
}

/** Each bounded store's entries and estimated bytes, and its bounds, read at scrape time. */
export function storeGauges(registers: Registers, stores: () => readonly StoreFillView[]): void {
  const gauges = [
    ['jobgraph_store_entries', 'entries', 'Entries held'],
    ['jobgraph_store_bytes', 'bytes', 'Bytes held (estimated: strings at two bytes a character)'],
    ['jobgraph_store_max_entries', 'maxEntries', 'Most entries held'],
    ['jobgraph_store_max_bytes', 'maxBytes', 'Most bytes held (estimated)'],
  ] as const;
  for (const [name, field, what] of gauges)
    new Gauge({
      name,
      help: `${what} by each bounded store fed from outside input, by store (job_states: the job-state store; refs: the CodePipeline join; idempotency: the Idempotency-Key's memory).`,
      labelNames: ['store'],
      registers,
      collect() {
        this.reset();
        for (const s of stores()) this.set({ store: s.store }, s[field]);
      },
    });
}

/** Reads that changed what events had said of a job, by provider, read at scrape time. */
export function eventsMissedCounter(
  registers: Registers,
  missed: () => ReadonlyMap<JobProvider, number> | undefined,
): void {
  new Counter({
    name: 'jobgraph_events_missed_total',
    help: "Provider reads (a watch's poll or reconciliation) whose state differed from what the job's last applied event said, so replaced it: an event missed, late or wrong, by provider.",
    labelNames: ['provider'],
    registers,
    collect() {
      this.reset();
      for (const [provider, n] of missed() ?? []) this.inc({ provider }, n);
    },
  });
}

/** Times a subscriber of the job-state store threw (its failure its own), read at scrape time. */
export function subscriberFailuresCounter(registers: Registers, failures: () => number): void {
  new Counter({
    name: 'jobgraph_job_states_listener_failures_total',
    help: "Times a subscriber of the job-state store (a watcher, the history, coverage) threw on a message: its failure is its own, the offer and the other subscribers go on; each subscriber's first is logged.",
    registers,
    collect() {
      this.reset();
      this.inc(failures());
    },
  });
}

/** Each event queue up (1) or not (0), read at scrape time. */
export function eventQueueGauge(
  registers: Registers,
  queues: () => readonly { queue: string; state: string }[],
): void {
  new Gauge({
    name: 'jobgraph_event_queue_up',
    help: 'Whether each job event queue answers (1) or cannot be read (0: its jobs are polled as without events), by queue (`<account alias>:<region>:<queue name>`).',
    labelNames: ['queue'],
    registers,
    collect() {
      this.reset();
      for (const q of queues()) this.set({ queue: q.queue }, q.state === 'UP' ? 1 : 0);
    },
  });
}

/** Times each event queue stopped receiving while the history writer was over its bound, read at scrape time. */
export function eventQueuePausesCounter(
  registers: Registers,
  queues: () => readonly { queue: string; pauses?: number }[],
): void {
  new Counter({
    name: 'jobgraph_event_queue_pauses_total',
    help: 'Times each job event queue stopped receiving because the history writer was over its bound (10,000 jobs waiting): its messages stay in SQS and are received once the store catches up (docs/history.md#falling-behind), by queue (`<account alias>:<region>:<queue name>`).',
    labelNames: ['queue'],
    registers,
    collect() {
      this.reset();
      for (const q of queues()) this.inc({ queue: q.queue }, q.pauses ?? 0);
    },
  });
}

/** Whether Redis is there (1) or away (0), as the process's one Redis signal says; no sample without Redis. */
export function redisUpGauge(registers: Registers, up: () => boolean | undefined): void {
  new Gauge({
    name: 'jobgraph_redis_up',
    help: "Whether Redis (JOBGRAPH_CACHE_URL) is there (1) or away (0: the shared caches, leases, reservations and rates fall back to this replica's own), as the process's one signal for its shared connection says.",
    registers,
    collect() {
      this.reset();
      const value = up();
      if (value !== undefined) this.set(value ? 1 : 0);
    },
  });
}

/** When an event was last applied from a queue, by provider (epoch ms). */
export interface LastApplied {
  queue: string;
  provider: JobProvider;
  at: number;
}

/** The age of the last event applied from each queue, by provider, read at scrape time. */
export function lastAppliedGauge(
  registers: Registers,
  lastApplied: () => readonly LastApplied[],
): void {
  new Gauge({
    name: 'jobgraph_events_last_applied_age_seconds',
    help: "Seconds since an event was last applied (or, a hint, acted on) from each job event queue, by queue (`<account alias>:<region>:<queue name>`) and provider: a provider's events that stopped coming show here as a growing age. Absent until the first.",
    labelNames: ['queue', 'provider'],
    registers,
    collect() {
      this.reset();
      const now = Date.now();
      for (const l of lastApplied())
        this.set({ queue: l.queue, provider: l.provider }, Math.max(0, (now - l.at) / 1000));
    },
  });
}

// duplicates: data — metric declarations: each its own name, help and labels
/** The job event queues' messages by outcome, and those rejected unapplied. */
export function eventCounters(registers: Registers) {
  return {
    events: new Counter({
      name: 'jobgraph_events_total',
      help: "Messages of the job event queues (JOBGRAPH_EVENT_QUEUES), by provider (none for a message that is no provider's event) and outcome: applied (a record applied without a describe call), hint (a re-read asked for), duplicate, stale (older than the state known), rejected (not a job event).",
      labelNames: ['provider', 'outcome'],
      registers,
    }),
    rejected: new Counter({
      name: 'jobgraph_events_rejected_total',
      help: "Messages of the job event queues rejected and deleted unapplied, by queue (<alias>:<region>:<name>) and reason (a fixed phrase: not JSON, not a job event of a provider, an account jobgraph does not read, an account its queue does not speak for, a region its queue does not speak for, …; 'other' past the first 32).",
      labelNames: ['queue', 'reason'],
      registers,
    }),
  };
}
