import { UpstreamError } from '../errors.ts';
import type { JobKey } from '../model/globalId.ts';
import type { JobRecord } from '../model/job.ts';
import type { Scheduler } from './scheduler.ts';
import { listedSignature, type ListPass, type WatchLister } from './watchLister.ts';

/** A watched job as its source's group drives it (its read schedule, jobReadSchedule.ts). */
export interface GroupMember {
  readonly id: string;
  readonly key: JobKey;
  /** The last record told (members join after their first). */
  readonly last: JobRecord | null;
  /** When its next poll is due (scheduler ms); null while it is being polled. */
  readonly dueAt: number | null;
  /** Its wait between polls now, in ms, without jitter. */
  readonly interval: number;
  /**
   * How likely its next poll finds no change, 0..1: 1 after the first record, then halfway to 1
   * after each poll without a change and halfway to 0 after each change.
   */
  readonly quiet: number;
  /** Poll it now by its describe call (its timer cancelled). */
  describe(): void;
  /** A list pass serves its poll: no timer until the pass says `describe` or `unchanged`. */
  hold(): void;
  /**
   * The list showed what its last record shows: a poll without a change. `jitter` (0..1, the
   * read schedules' jitter sample) is the same for every job of a pass, so jobs polled together
   * stay together instead of drifting apart as read schedules started together should.
   */
  unchanged(jitter: number): void;
}

/**
 * How early a job may be polled to ride a list pass another job's poll starts, as a fraction of
 * its wait. Above twice the jitter (±10 %), so jobs that started together, their first waits
 * jittered apart, ride one pass (after it, they share a jitter sample).
 */
const PULL_FRACTION = 0.25;

/**
 * The oldest list a pass may use, as a fraction of the batch's shortest wait: a snapshot another
 * reader made (listJobs, another group, another replica) serves a pass while it is at most half
 * an interval old, so a poll never tells older news than that — and never the previous pass's own
 * list again (the previous pass was about an interval ago).
 */
const LIST_AGE_FRACTION = 0.5;

/** The oldest list a pass for `members` may use, in ms. */
function listAge(members: readonly GroupMember[]): number {
  return Math.floor(Math.min(...members.map((m) => m.interval)) * LIST_AGE_FRACTION);
}

/** Whether a failed list call is worth trying again at the next pass (else the group stops listing). */
function transient(err: unknown): boolean {
  return (
    err instanceof UpstreamError &&
    (err.code === 'UPSTREAM_THROTTLED' || err.code === 'UPSTREAM_UNAVAILABLE')
  );
}

/**
 * The watched jobs of one source (provider, region, account). Each job keeps its own poll
 * schedule (jobReadSchedule.ts: backoff, jitter, failures); when one is due, the group decides how it is
 * polled.
 *
 * The jobs due within PULL_FRACTION of their wait make a *batch*, and the describes a list pass
 * would spare it are its jobs' `quiet` summed (the jobs the last complete pass did not list left
 * out: they are described anyway). When that is at least one more than the pages the last pass
 * took, one list pass of fewer pages than the describes it spares polls the whole batch: a job whose summary
 * shows what its last record shows had a poll without change, the others are described; a job
 * outside the batch whose summary shows a change is described at once. Otherwise the due job is
 * described, as without a group: a job watched alone, jobs that change at nearly every poll, or a
 * source whose list is long keep the describe path, and a source whose pages did not reach the
 * batch's jobs is given one more page in its estimate.
 *
 * A pass costs no call when the source's snapshot (listing/snapshots.ts: shared with `listJobs`
 * and every group and replica) is at most LIST_AGE_FRACTION of the batch's wait old: then the
 * batch rides it whatever the estimate; a pass that reads the list to its end makes the snapshot.
 *
 * The first poll of every job is its describe (a subscriber's first event is a full record), and
 * every event comes from a describe. A list pass that fails (throttled, circuit open, refused…)
 * falls back to the batch's describes, whose failures each read schedule handles as always; a
 * failure other than throttling or unavailability (e.g. access denied to the list alone) stops the
 * group from listing until its last job leaves.
 */
export class ListWatchGroup {
  private readonly members = new Set<GroupMember>();
  /** Members the last complete pass did not show: described at each poll. */
  private readonly unlisted = new Set<GroupMember>();
  /** Pages a pass is expected to take: those the last one took (one more when they were not enough). */
  private pages = 1;
  private refused = false;
  /** The batch of the pass in flight (a member due meanwhile joins it). */
  private batch: Set<GroupMember> | null = null;
  private readonly abort = new AbortController();

  constructor(
    private readonly lister: WatchLister,
    private readonly scheduler: Scheduler,
    private readonly random: () => number,
    private readonly onEmpty: () => void,
  ) {}

  add(member: GroupMember): void {
    this.members.add(member);
  }

  remove(member: GroupMember): void {
    this.members.delete(member);
    this.unlisted.delete(member);
    this.batch?.delete(member);
    if (this.members.size > 0) return;
    this.abort.abort();
    this.onEmpty();
  }

  /** `member`'s poll is due: a list pass or its describe (see the class). */
  due(member: GroupMember): void {
    if (this.batch) {
      member.hold();
      this.batch.add(member);
      return;
    }
    if (!this.refused) {
      const now = this.scheduler.now();
      const batch = [member];
      for (const m of this.members) {
        if (m !== member && m.dueAt !== null && m.dueAt - now <= m.interval * PULL_FRACTION)
          batch.push(m);
      }
      let spared = 0;
      for (const m of batch) if (!this.unlisted.has(m)) spared += m.quiet;
      // Worth a pass when it is expected to spare at least one call: its pages, fewer than the describes spared.
      if (spared >= this.pages + 1) return void this.pass(batch, Math.floor(spared) - 1);
      // Or when a snapshot young enough is at hand: the pass costs nothing.
      if (spared > 0 && this.lister.fresh?.(member.key, listAge(batch)) === true)
        return void this.pass(batch, 0);
    }
    member.describe();
  }

  private async pass(members: GroupMember[], maxPages: number): Promise<void> {
    const batch = new Set(members);
    this.batch = batch;
    for (const m of members) m.hold();
    const wanted = new Set(members.map((m) => m.id));
    let result: ListPass;
    try {
      result = await this.lister.list(
        members[0]!.key,
        wanted,
        maxPages,
        this.abort.signal,
        listAge(members),
      );
    } catch (err) {
      this.batch = null;
      if (!transient(err)) this.refused = true;
      for (const m of batch) m.describe();
      return;
    }
    this.batch = null;
    const reached = result.complete || [...wanted].every((id) => result.seen.has(id));
    // A pass a snapshot served says nothing of what reading the list costs.
    if (result.calls > 0 || !reached) this.pages = Math.max(1, result.calls + (reached ? 0 : 1));
    const jitter = this.random();
    for (const m of [...this.members]) {
      const seen = result.seen.get(m.id);
      const due = batch.has(m);
      if (seen === undefined) {
        if (due && result.complete) this.unlisted.add(m);
        if (due) m.describe();
        continue;
      }
      this.unlisted.delete(m);
      const same = m.last !== null && seen === listedSignature(m.last);
      if (due) {
        if (same) m.unchanged(jitter);
        else m.describe();
      } else if (!same && m.dueAt !== null) {
        // A change the list shows before the job's own poll is due: described now.
        m.describe();
      }
    }
  }
}
