import { needsPolling } from '../datasources/events/coverage.ts';
import { formatGlobalId, type JobKey } from '../model/globalId.ts';
import { ListWatchGroup } from './listWatchGroup.ts';
import { exactTimers, PollSlots, type PollTimers } from './pollSlots.ts';
import type { WatchOptions, WatchListener } from './watchOptions.ts';
import type { SharedPoll } from '../cache/pollLeases.ts';
import { JobReadSchedule } from './jobReadSchedule.ts';
import type { PollRole, ScheduleHost } from './scheduleHost.ts';
import { PeerChannel } from './peerChannel.ts';
import { ReconcileGrid } from './reconcileGrid.ts';

/**
 * The watched jobs of the process: one read schedule per job (jobReadSchedule.ts), shared by every watch of that job and refcounted by
 * them: the first subscriber starts it (first poll at once), the last one leaving stops it, and
 * it stops by itself once the job is terminal or fails. Between polls it waits `pollMs`,
 * growing ×1.5 while nothing changes up to `maxPollMs` and back to `pollMs` on a change, each
 * wait ±10 % jitter and then, with `slots`, rounded up to the next slot boundary so that the polls
 * due together share one wake-up and the provider's batch describe (pollSlots.ts). Throttling (UPSTREAM_THROTTLED) doubles the wait, at least the provider's
 * Retry-After; an open circuit pauses it for the breaker's half-open delay; other transient
 * failures (UPSTREAM_UNAVAILABLE) back off as "no change". Any other failure (NOT_FOUND,
 * UPSTREAM_ACCESS_DENIED, a bad answer, an internal error) is told to the subscribers once and
 * ends the schedule. Records are shared between subscribers and never changed.
 *
 * With a `lister`, the schedules of the jobs of one source whose list can tell a change (COS Batch, Panorama)
 * join that source's group after their first record: a poll may then be one list pass shared
 * with the source's other due jobs instead of a describe (listWatchGroup.ts).
 *
 * With `leases` (replicas sharing Redis), one replica polls each job for all: the schedule that takes
 * the job's lease (the *holder*) polls as above and shares each poll's result; the schedules of the
 * other replicas (*followers*) make no call and tell their subscribers what the holder shared. A
 * follower calls the provider itself only for what it cannot get from the holder: the first record
 * when the holder has shared none yet, a record whose secrets were taken out (see `shared`) when one
 * of its subscribers may read them, and the holder's failure (each replica gets its error from its
 * own call). One that has heard nothing for TAKEOVER_FACTOR waits takes the lease once it lapses;
 * one that is told the holder left takes it at once. While Redis is away every schedule polls alone,
 * as without leases, and takes or follows again at its next poll once Redis is back. A list-watch
 * group holds the jobs this replica polls (holder or alone): a list pass stands in for describes
 * of the jobs the same replica holds, so a source watched on several replicas may be listed by
 * each of them (see docs/architecture.md).
 */
export class WatchRegistry implements ScheduleHost<JobReadSchedule> {
  private readonly schedules = new Map<string, JobReadSchedule>();
  private readonly groups = new Map<string, ListWatchGroup>();
  /** Polls since start, by how they were made ({@link PollRole}). */
  readonly polls: Record<PollRole, number> = { holder: 0, follower: 0, alone: 0 };
  private readonly offAvailability: (() => void) | undefined;
  /** Where the schedules' waits go: the slots, or a timer each. */
  readonly timers: PollTimers;
  private readonly offStates: () => void;
  /** The poll leases' channels, through which the other replicas' events reach the store. */
  private readonly peers: PeerChannel | undefined;
  /** Where the reconciliation reads of jobs live by events go (absent without events). */
  private readonly reconcile: ReconcileGrid | undefined;

  constructor(readonly options: WatchOptions) {
    const { slots, scheduler } = options;
    this.timers = slots ? new PollSlots(scheduler, slots.ms, slots.phase) : exactTimers(scheduler);
    // Redis gone: every follower polls alone from now on (spread over its wait), every holder goes
    // on alone. Redis back: every schedule polling alone takes its job's lease or follows its holder.
    this.offAvailability = options.leases?.onAvailability((available) => {
      for (const schedule of [...this.schedules.values()])
        if (available) schedule.leasesBack();
        else schedule.leasesLost();
    });
    this.peers = options.leases
      ? new PeerChannel(options.leases, options.states, options.events?.heard)
      : undefined;
    const events = options.events;
    this.reconcile = events && new ReconcileGrid(events.slotReads);
    // The store is the only thing a watched job's watch hears from: every applied observation of
    // the job (this process's events and reads, another replica's events offered by its channel,
    // the holder's reads, a query's describe, an action's read after it acted, a listed row) and
    // every read of it that is no news. The watch takes it first; its read schedule then paces
    // its reads by what the watch made of it (a listed row's news: the job is read now).
    this.offStates = options.states.subscribe((message) => {
      if (message.kind !== 'change' && message.kind !== 'unchanged') return;
      const schedule = this.schedules.get(message.record.id);
      schedule?.heard(message, schedule.watch.hear(message));
    });
  }

  /**
   * Subscribe to one job: its last known record at once if there is one, then each change.
   * `secrets`: whether this subscriber may read the job's secrets (default true: a record another
   * replica shared without them is then not enough for it). `fields`: the `Job` fields the
   * subscription selects (none known: none that events do not carry). Returns the unsubscribe function.
   */
  watch(
    key: JobKey,
    listener: WatchListener,
    secrets = true,
    fields?: ReadonlySet<string>,
  ): () => void {
    const id = formatGlobalId(key);
    const detail = fields !== undefined && needsPolling(key, fields);
    let schedule = this.schedules.get(id);
    if (!schedule) {
      schedule = new JobReadSchedule(key, id, this.options, this);
      this.schedules.set(id, schedule);
      // Watched: its ordering is kept (never evicted) while it is.
      this.options.states.pin(id);
      schedule.add(listener, secrets, detail);
      schedule.start();
    } else {
      schedule.add(listener, secrets, detail);
    }
    const p = schedule;
    return () => p.remove(listener);
  }

  /** A schedule stopped (ScheduleHost): its job is no longer watched here, nor pinned for it. */
  stopped(schedule: JobReadSchedule): void {
    if (this.schedules.get(schedule.id) === schedule) this.schedules.delete(schedule.id);
    this.options.states.unpin(schedule.id);
  }

  /** The wait to a reconciliation read due at `at` (ScheduleHost), on the grid for the jobs watched now. */
  reconcileAt(now: number, at: number, reconcileMs: number): number {
    const grid = this.reconcile;
    return grid ? grid.place(now, at, this.schedules.size, reconcileMs) : at - now;
  }

  /** A poll was made (ScheduleHost), by its role. */
  polled(role: PollRole): void {
    this.polls[role] += 1;
  }

  /** The holder's word on the job `id` (ScheduleHost), through the poll leases' channels. */
  follow(id: string, listener: (poll: SharedPoll) => void): () => void {
    return this.peers!.follow(id, listener);
  }

  /** The schedule of the job with global ID `id`, if it is watched here. */
  /** The read schedules of the watched jobs whose key `which` takes. */
  watched(which: (key: JobKey) => boolean): JobReadSchedule[] {
    return [...this.schedules.values()].filter((s) => which(s.key));
  }

  get(id: string): JobReadSchedule | undefined {
    return this.schedules.get(id);
  }

  /** An event source went up or down: each schedule waits as its job's coverage says now. */
  coverageChanged(): void {
    for (const schedule of this.schedules.values()) schedule.coverageChanged();
  }

  /** Schedules running now (one per watched job). */
  size(): number {
    return this.schedules.size;
  }

  /** Schedules waiting for their next poll now (its timer set: not polling, not following). */
  waiting(): number {
    let n = 0;
    for (const schedule of this.schedules.values()) if (schedule.dueAt !== null) n += 1;
    return n;
  }

  /** Schedules running now by role: `holder`, the poll leases this process holds (0 without Redis). */
  roles(): Record<PollRole, number> {
    const roles = { holder: 0, follower: 0, alone: 0 };
    for (const schedule of this.schedules.values()) roles[schedule.role] += 1;
    return roles;
  }

  /** Stop every schedule (shutdown): the leases held are given back to the other replicas. */
  close(): void {
    this.offAvailability?.();
    this.offStates();
    for (const schedule of [...this.schedules.values()]) schedule.stop();
  }

  /** The group of `key`'s source, made on first use and dropped when its last member leaves; null without one. */
  group(key: JobKey): ListWatchGroup | null {
    const lister = this.options.lister;
    const source = lister?.sourceOf(key) ?? null;
    if (!lister || source === null) return null;
    let group = this.groups.get(source);
    if (!group) {
      const random = this.options.random ?? Math.random;
      const made = new ListWatchGroup(lister, this.options.scheduler, random, () => {
        if (this.groups.get(source) !== made) return;
        this.groups.delete(source);
        lister.release?.(source);
      });
      this.groups.set(source, made);
      group = made;
    }
    return group;
  }
}
