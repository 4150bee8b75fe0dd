import { Counter, Gauge, type Registry } from 'prom-client';

// The metrics of watching: open subscriptions and read schedules, read from the hub at scrape time.
// Two metric names keep the older word "poller" for a read schedule (docs/architecture.md).

type Registers = Registry[];

/** How a watched job is polled by this replica (src/subscriptions/scheduleHost.ts `PollRole`). */
type WatchRole = 'holder' | 'follower' | 'alone';
const WATCH_ROLES: readonly WatchRole[] = ['holder', 'follower', 'alone'];

/** What the subscription gauges read at scrape time: open subscriptions, read schedules, poll leases. */
export interface WatchState {
  open: number;
  /** Read schedules running: one per watched job (`WatchRegistry.size`). */
  schedules: number;
  /** Read schedules by role (`PollRole`): `holder` is the poll leases held. */
  roles?: Readonly<Record<WatchRole, number>>;
  /** Polls since start by how they were made. */
  polls?: Readonly<Record<WatchRole, number>>;
  /** Watched jobs' reads since start by why (src/subscriptions/watchOptions.ts `ReadReason`). */
  reads?: Readonly<Record<string, number>>;
}

/** The subscription gauges and the polls counter, read from the hub (`watch`) at scrape time. */
export function watchMetrics(registers: Registers, watch: () => WatchState | undefined): void {
  new Gauge({
    name: 'jobgraph_subscriptions_open',
    help: 'Open jobUpdates subscriptions (SSE and WebSocket).',
    registers,
    collect() {
      this.set(watch()?.open ?? 0);
    },
  });
  new Gauge({
    name: 'jobgraph_watch_pollers',
    help: 'Read schedules running for jobUpdates subscriptions (one per watched job, shared by its subscribers).',
    registers,
    collect() {
      this.set(watch()?.schedules ?? 0);
    },
  });
  new Gauge({
    name: 'jobgraph_watch_pollers_by_role',
    help: "Read schedules by role: holder (holds the job's poll lease and polls it for every replica), follower (another replica polls it), alone (polls without a lease: no Redis, or Redis down).",
    labelNames: ['role'],
    registers,
    collect() {
      const roles = watch()?.roles;
      for (const role of WATCH_ROLES) this.set({ role }, roles?.[role] ?? 0);
    },
  });
  new Counter({
    name: 'jobgraph_watch_polls_total',
    help: "Polls of watched jobs, by role: holder (this replica's call, holding the job's lease), alone (its call without one), follower (another replica's poll received instead of a call).",
    labelNames: ['role'],
    registers,
    collect() {
      const polls = watch()?.polls;
      this.reset();
      for (const role of WATCH_ROLES) this.inc({ role }, polls?.[role] ?? 0);
    },
  });
  new Counter({
    name: 'jobgraph_watch_reads_total',
    help: "Watched jobs' own reads, by reason: first (the watch's first record), confirm (an event told a finish), reconcile (live by events, JOBGRAPH_EVENT_RECONCILE_SECONDS), poll (not live by events). Reads due together share a batch describe.",
    labelNames: ['reason'],
    registers,
    collect() {
      this.reset();
      for (const [reason, n] of Object.entries(watch()?.reads ?? {})) this.inc({ reason }, n);
    },
  });
}
