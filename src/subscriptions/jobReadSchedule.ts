import { BrokenCircuitError } from 'cockatiel';
import type { LeaseClaim, PollResult, SharedPoll } from '../cache/pollLeases.ts';
import { UpstreamError } from '../errors.ts';
import type { JobKey } from '../model/globalId.ts';
import { AnswerMemo } from '../datasources/shared/answerMemo.ts';
import { reconcileMsOf } from '../datasources/events/coverage.ts';
import type { JobRecord } from '../model/job.ts';
import type { ListWatchGroup, GroupMember } from './listWatchGroup.ts';
import { HintGate } from './hintGate.ts';
import { JobWatch, type Heard, type RecordMessage } from './jobWatch.ts';
import { watchSettled } from './watchChange.ts';
import type { PollRole, ScheduleHost } from './scheduleHost.ts';
import type { WatchOptions, ReadReason, WatchListener } from './watchOptions.ts';
import {
  BACKOFF_FACTOR,
  JITTER,
  LEASE_TTL_FACTOR,
  SILENCE_FACTOR,
  TAKEOVER_FACTOR,
  onGrid,
} from './pollTiming.ts';

const UNAVAILABLE: LeaseClaim = { kind: 'unavailable' };

/**
 * One watched job's read schedule (WatchRegistry): when the job is read and by whom — its
 * timing, back-off, lease, hints and list group. It only fetches and offers what it read to the
 * job-state store; what the job's subscribers are told is its watch's (`watch`, jobWatch.ts), which
 * hears the store alone. The schedule hears, after the watch, what the watch made of each of the
 * store's messages of the job (`heard`), and paces its reads by it.
 */
export class JobReadSchedule implements GroupMember {
  /** The job as its subscribers see it. */
  readonly watch = new JobWatch();
  /** The job's last upstream answer (its bytes or digest, and its record), for the next poll to compare. */
  private readonly answer = new AnswerMemo();
  interval: number;
  quiet = 1;
  dueAt: number | null = null;
  private timer: unknown = undefined;
  /** A follower's wait for the holder's next word (then it tries to take the lease). */
  private watchdog: unknown = undefined;
  private stopped = false;
  private fetching = false;
  private readonly hints = new HintGate();
  private claiming = false;
  /** The poll timer fired while a claim was in flight: poll once it is answered. */
  private pollDue = false;
  /** When a follower last heard from the job's holder (scheduler ms). */
  private heardAt = 0;
  private group: ListWatchGroup | null = null;
  /** How this replica polls the job now (alone without leases). */
  role: PollRole = 'alone';
  private unfollow: (() => void) | null = null;
  /** Its timer is a poll's (`schedule` while not live by events): not a reconciliation's, a hint's. */
  private polling = false;
  /** The record this schedule is offering the job-state store now (its own read, or the holder's). */
  private offering: JobRecord | null = null;
  /** A hint's read is the poll armed (due first): not moved to a reconciliation. */
  private hinted = false;

  constructor(
    readonly key: JobKey,
    readonly id: string,
    private readonly options: WatchOptions,
    private readonly registry: ScheduleHost<JobReadSchedule>,
  ) {
    this.interval = options.pollMs;
  }

  /** The last record its subscribers were told (a list group compares its rows with it). */
  get last(): JobRecord | null {
    return this.watch.last;
  }

  start(): void {
    if (!this.options.leases) return this.describe();
    // Listen first: a result shared while the lease is asked for is not missed.
    this.unfollow = this.registry.follow(this.id, (poll) => this.shared(poll));
    void this.claim();
  }

  add(listener: WatchListener, secrets: boolean, detail = false): void {
    const joined = this.watch.add(listener, secrets, detail);
    // A wait as long as a reconciliation's is cut back to the poll interval.
    if (joined.firstDetail) this.coverageChanged();
    if (joined.ownRead) void this.fetch();
  }

  remove(listener: WatchListener): void {
    if (this.watch.remove(listener) && this.watch.size === 0) this.stop();
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.hold();
    this.clearWatchdog();
    this.group?.remove(this);
    this.group = null;
    this.unfollow?.();
    this.unfollow = null;
    // A claim in flight may have taken the lease: the release, sent after it, gives it back.
    if (this.role === 'holder' || this.claiming) this.options.leases?.release(this.id);
    this.registry.stopped(this);
  }

  hold(): void {
    this.polling = false;
    if (this.timer !== undefined) this.registry.timers.clear(this.timer);
    [this.timer, this.dueAt] = [undefined, null];
  }

  describe(): void {
    this.hold();
    void this.fetch();
  }

  /**
   * A store message of the job (`change` or `unchanged`), after its watch heard it (`heard`): on an
   * applied observation or this schedule's own read (`offering`), the wait goes back to the poll
   * interval on news and grows on a sight without change; its own reads go on in `fetch` and
   * `shared`. Otherwise:
   * - a listed row's news: the job is read now (the row has fewer fields than its record);
   * - another replica's record without the secrets a subscriber may read: the job is read here;
   * - an event: a settled one is told `unconfirmed` and the watch goes on until one provider read,
   *   at the next poll slot (not at the poll rate, not at the reconcile interval), confirms it
   *   (`confirmed`, then the schedule stops) or corrects it. A follower leaves that read to the
   *   job's holder, which gets the same event;
   * - a provider read made elsewhere in the process (a query's describe, an action's read after it
   *   acted): a settled one, unless older than the store's news, ends the watch as this schedule's
   *   own poll does.
   */
  heard(message: RecordMessage, heard: Heard): void {
    if (this.stopped) return;
    const { record, observation } = message;
    // News that is not its last answer's record (an event's, another read's): that answer will not
    // come again, so the memo lets it go and the job holds one record, the watch's.
    if ((heard === 'news' || heard === 'first') && record !== this.answer.value)
      [this.answer.seen, this.answer.value] = [undefined, undefined];
    if (observation.origin === 'list') return message.kind === 'change' ? this.listed() : undefined;
    if (heard === 'fetch') return void this.fetch();
    if (heard === 'none') return;
    const own = record === this.offering;
    if (own || message.kind === 'change') this.paced(heard);
    if (own) return;
    if (observation.origin === 'read') {
      if (!watchSettled(record) || (message.kind === 'unchanged' && message.verdict === 'stale'))
        return;
      if (this.role === 'holder')
        this.share({ kind: 'record', record, interval: this.interval, wait: 0 });
      return this.stop();
    }
    // An event. A read in flight was sent before it arrived: when it ends, fetch() schedules the next.
    if (this.watch.unconfirmed && this.role !== 'follower' && !this.fetching) {
      const now = this.options.scheduler.now();
      this.soon(this.confirmWait(now, this.options.pollMs), now);
    }
  }

  /**
   * The wait for the read that confirms an event's settled record, at least `ms`. Live by events,
   * it falls on the next whole JOBGRAPH_WATCH_MAX_POLL_MS (the longest a poll waits, so no later
   * than polling alone would have read the finish): the finishes of that window are confirmed
   * together, in one batch describe an account and region, not one call each. The subscribers
   * have the event's record meanwhile; only the watch's end waits. Not live: the poll interval.
   */
  private confirmWait(now: number, ms: number): number {
    if (!this.covered()) return ms;
    return onGrid(now, now + ms, Math.max(ms, this.options.maxPollMs));
  }

  /**
   * A listed row showed the job's news, applied by the job-state store: the row has fewer fields
   * than the job's record, so the job is read now (not at the next poll) and its record told; a
   * follower reads it too, once (the holder, on another replica, did not see the row).
   */
  private listed(): void {
    if (!this.fetching) void (this.role === 'follower' ? this.fetch() : this.describe());
  }

  /**
   * An event says the job changed without its record: read it (unless another replica polls it),
   * coalesced by HintGate to one read in flight and one a poll interval however many hints come.
   */
  hint(): boolean {
    if (this.stopped || this.role === 'follower') return false;
    const now = this.options.scheduler.now();
    this.soon(this.hints.hint(now, this.fetching, this.options.pollMs), now);
    return true;
  }

  /** Read in `wait` ms (0: now; null: not), unless a poll is due by then. */
  private soon(wait: number | null, now: number): void {
    if (wait === null || this.stopped) return;
    // A poll due first is this hint's read (`hinted`: it is not moved to a reconciliation).
    if (this.dueAt !== null && this.dueAt <= now + wait) return void (this.hinted = true);
    if (wait === 0) return this.describe();
    this.hold();
    const timer = this.registry.timers.set(() => this.poll(), wait);
    [this.timer, this.dueAt] = [timer.handle, now + timer.wait];
  }

  /**
   * Its event source went up or down: a wait longer than its poll interval is cut back when events
   * no longer cover it; covered now, a poll armed before becomes its reconciliation (the events keep
   * the job current: that poll would be a call for nothing), unless it is a hint's read (`hinted`).
   */
  coverageChanged(): void {
    if (this.stopped || this.timer === undefined || this.dueAt === null) return;
    if (this.covered()) {
      if (!this.polling || this.hinted || this.watch.last === null || this.watch.unconfirmed)
        return;
    } else if (this.dueAt - this.options.scheduler.now() <= this.interval) return;
    this.hold();
    this.schedule(this.interval);
  }

  unchanged(jitter: number): void {
    this.hold();
    if (this.stopped) return;
    this.registry.polled(this.role === 'holder' ? 'holder' : 'alone');
    this.quiet = (this.quiet + 1) / 2;
    this.interval = Math.min(this.interval * BACKOFF_FACTOR, this.options.maxPollMs);
    const wait = this.schedule(this.interval, jitter);
    const last = this.watch.last;
    if (last && !this.watch.stripped)
      this.share({ kind: 'record', record: last, interval: this.interval, wait });
    else this.share({ kind: 'wait', interval: this.interval, wait });
  }

  /** Redis went away: a holder polls on alone; a follower polls alone soon (spread over its wait, so that the replicas do not all call at once). */
  leasesLost(): void {
    if (this.stopped || this.role === 'alone') return;
    const follower = this.role === 'follower';
    this.role = 'alone';
    if (!follower) return;
    this.clearWatchdog();
    if (!this.fetching && !this.claiming && this.timer === undefined)
      this.schedule(this.interval * (this.options.random ?? Math.random)(), null);
  }

  /**
   * Redis is back: a read schedule polling alone asks for its job's lease, without polling, at a
   * moment spread over its wait (as `leasesLost` spreads the followers' polls: all asking at once
   * is one burst of claims) — taken, its next poll is the holder's; held by another replica, it
   * follows that one. So one replica polls each job again within a wait.
   */
  leasesBack(): void {
    if (this.stopped || this.role !== 'alone') return;
    const spread = this.interval * (this.options.random ?? Math.random)();
    this.options.scheduler.setTimeout(() => {
      if (!this.stopped && this.role === 'alone') void this.claim(false);
    }, spread);
  }

  /** The timer fired: with leases, take (or renew) the lease first; then the group decides how to poll, else the describe call. */
  private poll(): void {
    this.timer = undefined;
    this.dueAt = null;
    if (this.stopped) return;
    // A read nobody asked for now (a poll, a reconciliation, a list group's pass) waits while the
    // history is over its bound: another poll interval, then asked again (history/writerBound.ts).
    if (this.options.background?.deferred())
      return void this.arm(this.interval, this.options.scheduler.now());
    if (!this.options.leases) return this.dispatch();
    if (this.claiming) this.pollDue = true;
    else void this.claim();
  }

  private dispatch(): void {
    // An event's settled record is confirmed by a describe: a list row is not the job's record.
    if (this.group && !this.watch.unconfirmed) this.group.due(this);
    else void this.fetch();
  }

  /**
   * Take or renew the job's lease: held (or Redis unavailable) → poll now (`poll`; else keep the
   * poll timer); another replica holds it → follow it (with its last shared result when this
   * read schedule has no record yet).
   */
  private async claim(poll = true): Promise<void> {
    const leases = this.options.leases;
    if (!leases || this.claiming || this.stopped) return;
    this.claiming = true;
    const outcome = leases.available()
      ? await leases.claim(this.id, this.interval * LEASE_TTL_FACTOR, this.watch.last === null)
      : UNAVAILABLE;
    this.claiming = false;
    const due = poll || this.pollDue;
    this.pollDue = false;
    if (this.stopped) return;
    if (outcome.kind === 'other') {
      // Its holder renews it at each poll: ask again when it would lapse, unless its word comes first.
      return this.follow(outcome.retryInMs + Math.max(10, this.interval * 0.05), outcome.last);
    }
    if (!due) {
      if (outcome.kind === 'held' && this.role === 'alone') this.role = 'holder';
      return;
    }
    this.role = outcome.kind === 'held' ? 'holder' : 'alone';
    this.clearWatchdog();
    this.dispatch();
  }

  /** Another replica polls the job: no call of our own, a watchdog `afterMs` from now (re-armed by each word from the holder). */
  private follow(afterMs: number, last?: SharedPoll): void {
    const now = this.options.scheduler.now();
    if (this.role !== 'follower') this.heardAt = now;
    this.role = 'follower';
    this.hold();
    this.group?.remove(this);
    this.group = null;
    this.armWatchdog(afterMs);
    if (last) this.shared(last);
    // Nothing to give the subscribers yet: the job is fetched here, once.
    if (this.watch.last === null) return void this.fetch();
    if (now - this.heardAt > SILENCE_FACTOR * this.interval) {
      // A live holder this replica does not hear (SILENCE_FACTOR): listen again, and poll once.
      this.heardAt = now;
      this.unfollow?.();
      this.unfollow = this.registry.follow(this.id, (poll) => this.shared(poll));
      void this.fetch();
    }
  }

  /**
   * What the job's holder shared. A follower tells its subscribers a changed record and waits
   * TAKEOVER_FACTOR of the holder's announced wait for the next word. A record shared without
   * its secrets (`stripped`) is told as it is while none of this replica's subscribers may read
   * secrets (for them the secret fields are null and FORBIDDEN whatever the record holds); with
   * one that may, this replica fetches the job itself, only when the record changed (or it has
   * none of its own yet). A read schedule polling alone follows a holder it hears from (Redis is
   * back); a holder ignores another's word (two holders for a moment: the next claim settles it).
   */
  private shared(poll: SharedPoll): void {
    if (this.stopped || poll.from === this.options.leases?.replicaId) return;
    // Another replica's event is the channel's to offer to the store (peerChannel.ts): its
    // applied change comes back through the registry, as this process's own events do.
    if (poll.kind === 'event') return;
    if (poll.kind === 'hint') return void this.hint();
    this.heardAt = this.options.scheduler.now();
    if (this.role === 'holder') return;
    if (this.role === 'alone') {
      if (poll.kind !== 'record' || this.claiming) return;
      this.role = 'follower';
      this.hold();
      this.group?.remove(this);
      this.group = null;
    }
    switch (poll.kind) {
      case 'record': {
        this.registry.polled('follower');
        this.armWatchdog(poll.wait * TAKEOVER_FACTOR);
        const watch = this.watch;
        if (poll.stripped && watch.secretReaders > 0) {
          if (watch.differs(poll.record) || watch.stripped || watch.awaitingFull) void this.fetch();
        } else {
          // The holder's read stands in for this replica's own: offered as a peer's read, which the
          // watch hears from the store (a settled one confirms its last record).
          this.offer(poll.record, undefined, poll.stripped);
          if (watchSettled(poll.record)) return this.stop();
          // The holder read otherwise than an event said: a peer's read has no send time to order
          // it by against the event, so this replica's own read (one) decides.
          if (watch.unconfirmed) void this.fetch();
        }
        // Taking over later goes on from the holder's backoff.
        this.interval = poll.interval;
        return;
      }
      case 'wait':
        this.interval = poll.interval;
        return this.armWatchdog(poll.wait * TAKEOVER_FACTOR);
      case 'fetch':
        return void this.fetch();
      case 'released':
        this.clearWatchdog();
        return void this.claim();
    }
  }

  /**
   * Offer this replica's read (sent at `at`) or, without `at`, the holder's read (a peer's word;
   * `stripped`: without its secrets) to the store, which tells the job's watch and then this
   * schedule (`heard`) while it judges it.
   */
  private offer(record: JobRecord, at?: number, stripped = false): void {
    const states = this.options.states;
    this.offering = record;
    try {
      states.offer(record, {
        origin: at === undefined ? 'peer' : 'read',
        at: at ?? states.now(),
        ...(stripped ? { stripped } : {}),
      });
    } finally {
      this.offering = null;
    }
  }

  /** A sight of the job: news brings the wait back to the poll interval, else it grows. */
  private paced(heard: 'first' | 'news' | 'same'): void {
    if (heard !== 'same') {
      this.interval = this.options.pollMs;
      this.quiet = heard === 'first' ? 1 : this.quiet / 2;
    } else {
      this.quiet = (this.quiet + 1) / 2;
      this.interval = Math.min(this.interval * BACKOFF_FACTOR, this.options.maxPollMs);
    }
  }

  private async fetch(): Promise<void> {
    if (this.stopped || this.fetching) return;
    this.fetching = true;
    this.hinted = false;
    this.hints.reading(this.options.scheduler.now());
    // When the read was sent: one sent before an event arrived may answer an older state.
    const at = this.options.states.now();
    let record: JobRecord;
    try {
      record = await this.options.fetch(this.key, this.answer, this.reason());
    } catch (err) {
      this.fetching = false;
      if (!this.stopped) this.failed(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.fetching = false;
    if (this.stopped) return;
    this.registry.polled(this.role === 'holder' ? 'holder' : 'alone');
    this.offer(record, at);
    if (this.role === 'follower') {
      // A follower's own call: the holder's polls go on.
      if (watchSettled(record)) this.stop();
      return;
    }
    if (watchSettled(record)) {
      this.share({ kind: 'record', record, interval: this.interval, wait: 0 });
      return this.stop();
    }
    if (!this.group) {
      this.group = this.registry.group(this.key);
      this.group?.add(this);
    }
    const wait = this.schedule(this.interval);
    if (this.options.leases) this.share({ kind: 'record', record, interval: this.interval, wait });
    const now = this.options.scheduler.now();
    this.soon(this.hints.owed(now, this.options.pollMs), now);
  }

  private failed(err: Error): void {
    const { maxPollMs, breakerPauseMs } = this.options;
    const follower = this.role === 'follower';
    if (err instanceof UpstreamError && err.code === 'UPSTREAM_THROTTLED') {
      // A follower's own call failed for a while: the holder's polls go on.
      if (follower) return;
      this.interval = Math.min(this.interval * 2, maxPollMs);
      const wait = this.schedule(
        Math.max(this.interval, (err.retryAfterSeconds ?? 0) * 1000),
        null,
      );
      return this.share({ kind: 'wait', interval: this.interval, wait });
    }
    if (err instanceof UpstreamError && err.code === 'UPSTREAM_UNAVAILABLE') {
      if (follower) return;
      const circuitOpen = err.cause instanceof BrokenCircuitError;
      this.interval = Math.min(this.interval * BACKOFF_FACTOR, maxPollMs);
      const wait = this.schedule(
        circuitOpen ? Math.max(breakerPauseMs, this.interval) : this.interval,
      );
      return this.share({ kind: 'wait', interval: this.interval, wait });
    }
    // For good: each replica gets the error from its own call (errors are not shared).
    this.share({ kind: 'fetch' });
    this.watch.fail(err);
    this.stop();
  }

  /**
   * The holder's poll, to the other replicas: the lease renewed for LEASE_TTL_FACTOR of the wait
   * to the next poll. Lost (another replica took it meanwhile): follow that one; Redis gone: alone.
   */
  private share(result: PollResult): void {
    const leases = this.options.leases;
    if (!leases || this.role !== 'holder') return;
    const wait = result.kind === 'fetch' || result.wait <= 0 ? this.interval : result.wait;
    void leases.share(this.id, wait * LEASE_TTL_FACTOR, result).then((outcome) => {
      if (this.stopped || this.role !== 'holder') return;
      if (outcome === 'lost') this.follow(wait * TAKEOVER_FACTOR);
      else if (outcome === 'unavailable') this.role = 'alone';
    });
  }

  /**
   * Whether its polls are reconciliations: its provider, account and region are live by events and
   * no subscriber selects what the events do not carry (a HealthOmics job's `sources`).
   */
  private covered(): boolean {
    return this.watch.detailReaders === 0 && this.options.events?.covered(this.key) === true;
  }

  /** Why a read goes now (WatchOptions.fetch's `reason`). */
  private reason(): ReadReason {
    if (this.watch.last === null) return 'first';
    if (this.watch.unconfirmed) return 'confirm';
    return this.covered() ? 'reconcile' : 'poll';
  }

  private armWatchdog(ms: number): void {
    this.clearWatchdog();
    if (this.stopped) return;
    this.watchdog = this.options.scheduler.setTimeout(() => {
      this.watchdog = undefined;
      if (!this.stopped && this.role === 'follower') void this.claim();
    }, ms);
  }

  private clearWatchdog(): void {
    if (this.watchdog !== undefined) this.options.scheduler.clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  /** Poll again in `ms`, ±JITTER by `jitter` (a sample in 0..1; null: exactly `ms`). Returns the wait. */
  private schedule(
    ms: number,
    jitter: number | null = (this.options.random ?? Math.random)(),
  ): number {
    if (this.stopped) return 0;
    // Live by events: the poll is a reconciliation read, at its kind's interval (reconcileMsOf).
    // An event's settled record waits for its confirming read (confirmWait), not this long.
    const now = this.options.scheduler.now();
    if (this.watch.unconfirmed) return this.arm(this.confirmWait(now, ms), now);
    // A job never read yet (its first read failed) has nothing for events to keep current: it is
    // read again on the poll back-off, not a reconciliation later.
    const covered = this.watch.last !== null && this.covered();
    this.polling = !covered;
    const reconcile = covered ? reconcileMsOf(this.key, this.options.events?.reconcileMs ?? 0) : 0;
    const wait = Math.max(ms, reconcile) * (jitter === null ? 1 : 1 + (jitter * 2 - 1) * JITTER);
    // On the process's reconciliation grid: the reads due together go out in one turn and share a
    // provider's batch describe, a bounded number a turn (reconcileGrid.ts).
    return this.arm(covered ? this.registry.reconcileAt(now, now + wait, reconcile) : wait, now);
  }

  private arm(wait: number, now: number): number {
    // With slots, the wait ends on the next slot boundary: the polls of a slot share its wake-up.
    const timer = this.registry.timers.set(() => this.poll(), wait);
    this.timer = timer.handle;
    this.dueAt = now + timer.wait;
    return timer.wait;
  }
}
