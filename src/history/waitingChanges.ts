/**
 * What waits to be written, keyed by job (one writer lane's queue). While fewer than `maxQueue`
 * changes wait, every change waits as it came and each is written as its own transition. Past
 * that the store is behind, and a waiting job's new change is coalesced into what waits for it:
 * the job's row is written from its latest record, and of its transitions are kept the first one
 * waiting (so a job new to the store gets its first place, `from` and all), every transition into a
 * finished state, every read that contradicted events, and the latest — a change between those is
 * replaced by the next one. The transitions kept are written from the state the store holds
 * (writer.ts `placed`), so the timeline stays consistent: fewer steps, never a wrong one.
 *
 * `maxQueue` also bounds the jobs waiting. A job not waiting yet is admitted past it all the same
 * (its only change is its latest record, which is never lost): `over` says so, for the writer to
 * count and tell. Nothing is dropped here.
 */
import { isTerminalState, type JobState } from '../model/job.ts';
import type { HistoryChange } from './change.ts';

/** One job's changes waiting to be written. */
export interface WaitingJob {
  /** The change the job's row is written from: its latest. */
  latest: HistoryChange;
  /** The changes whose transitions are written, in order (none for a row-only change). */
  readonly changes: HistoryChange[];
  /** Changes of this job written with this entry (not those coalesced into a later one). */
  recorded: number;
  /** When its oldest unwritten change was recorded (epoch ms). */
  readonly since: number;
}

/** What `add` did with a change. */
export type Admitted = 'queued' | 'coalesced' | 'over';

const finishing = (change: HistoryChange): boolean => isTerminalState(change.to as JobState);

export class WaitingChanges {
  readonly #maxQueue: number;
  /** In the order jobs began to wait: the first is the oldest. */
  #jobs = new Map<string, WaitingJob>();
  /** Transitions waiting, over every job. */
  #changes = 0;
  /** Jobs waiting with a row-only change alone (no transition). */
  #rowOnly = 0;

  constructor(maxQueue: number) {
    this.#maxQueue = maxQueue;
  }

  /** Changes waiting: transitions, plus one for each job that has a row-only change alone. */
  get size(): number {
    return this.#changes + this.#rowOnly;
  }

  get jobs(): number {
    return this.#jobs.size;
  }

  /** When the oldest change waiting was recorded (epoch ms), or null when none waits. */
  get oldestSince(): number | null {
    for (const job of this.#jobs.values()) return job.since;
    return null;
  }

  /** Queue `change`, recorded at `now` (epoch ms). */
  add(change: HistoryChange, now: number): Admitted {
    const id = change.record.id;
    const waiting = this.#jobs.get(id);
    const row = change.transition === false;
    if (waiting === undefined) {
      this.#jobs.set(id, { latest: change, changes: row ? [] : [change], recorded: 1, since: now });
      if (row) this.#rowOnly++;
      else this.#changes++;
      return this.#jobs.size > this.#maxQueue ? 'over' : 'queued';
    }
    waiting.latest = change;
    if (row) {
      if (this.#changes >= this.#maxQueue) return 'coalesced';
      waiting.recorded++;
      return 'queued';
    }
    waiting.recorded++;
    if (waiting.changes.length === 0) this.#rowOnly--;
    const last = waiting.changes.at(-1);
    if (
      this.#changes >= this.#maxQueue &&
      last !== undefined &&
      waiting.changes.length > 1 &&
      !finishing(last) &&
      last.contradicts !== true
    ) {
      waiting.changes[waiting.changes.length - 1] = change;
      // The change replaced is the one coalesced: this one is written in its place.
      waiting.recorded--;
      return 'coalesced';
    }
    waiting.changes.push(change);
    this.#changes++;
    return 'queued';
  }

  /** The oldest jobs waiting, whole, until they hold at least `max` changes (one job at least). */
  take(max: number): WaitingJob[] {
    const out: WaitingJob[] = [];
    let n = 0;
    for (const [id, job] of this.#jobs) {
      if (n >= max) break;
      this.#jobs.delete(id);
      out.push(job);
      n += Math.max(job.changes.length, 1);
      this.#changes -= job.changes.length;
      if (job.changes.length === 0) this.#rowOnly--;
    }
    return out;
  }
}
