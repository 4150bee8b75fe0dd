import type { Scheduler } from './scheduler.ts';

/** Where the read schedules' waits go: a timer that runs `fn` about `ms` from now. */
export interface PollTimers {
  /** Run `fn` once, at `ms` from now or a little later; returns its handle and how long it waits. */
  set(fn: () => void, ms: number): { handle: unknown; wait: number };
  clear(handle: unknown): void;
}

/** Each wait on its own scheduler timer, exactly as asked (a registry without slots). */
export function exactTimers(scheduler: Scheduler): PollTimers {
  return {
    set: (fn, ms) => ({ handle: scheduler.setTimeout(fn, ms), wait: ms }),
    clear: (handle) => scheduler.clearTimeout(handle),
  };
}

/** The longest slot: a poll is at most this much later than its jittered due time. */
export const POLL_SLOT_MAX_MS = 250;

/**
 * The slot for polls whose first wait is `pollMs`: a tenth of it (the jitter's own size, ±10 %,
 * so a poll moves by at most another jitter's worth), at most POLL_SLOT_MAX_MS, at least 1 ms.
 */
export function pollSlotMs(pollMs: number): number {
  return Math.max(1, Math.min(POLL_SLOT_MAX_MS, Math.round(pollMs / 10)));
}

/** One slot: its time, its waits still to run, and its one scheduler timer. */
interface Slot {
  readonly at: number;
  readonly entries: Set<SlotEntry>;
  timer: unknown;
}

/** A wait in a slot. */
interface SlotEntry {
  readonly fn: () => void;
  readonly slot: Slot;
}

/**
 * Polls due together share one wake-up: each wait ends on the next slot boundary (`phase` plus a
 * multiple of `ms`, in scheduler time) at or after its own end, and each slot is one scheduler
 * timer that runs all of its polls in one turn of the event loop. So the polls of one slot reach
 * the providers' batch describes together (AWS Batch: one DescribeJobs for up to 100 jobs of an
 * account and region, batchCall.ts gathers a turn's calls), and a process watching many jobs wakes
 * once a slot instead of once a poll. The phase is drawn per process, so that replicas do not
 * poll on the same wall-clock instants.
 */
export class PollSlots implements PollTimers {
  /** Each slot waiting to run, by its time. */
  private readonly slots = new Map<number, Slot>();

  constructor(
    private readonly scheduler: Scheduler,
    readonly ms: number,
    readonly phase: number,
  ) {}

  set(fn: () => void, ms: number): { handle: unknown; wait: number } {
    const now = this.scheduler.now();
    const at = this.phase + Math.ceil((now + Math.max(0, ms) - this.phase) / this.ms) * this.ms;
    let slot = this.slots.get(at);
    if (!slot) {
      const made: Slot = { at, entries: new Set(), timer: undefined };
      made.timer = this.scheduler.setTimeout(() => this.run(made), at - now);
      this.slots.set(at, made);
      slot = made;
    }
    const entry: SlotEntry = { fn, slot };
    slot.entries.add(entry);
    return { handle: entry, wait: at - now };
  }

  /** Take a wait out of its slot; the slot's timer goes when its last wait does. */
  clear(handle: unknown): void {
    const { slot } = handle as SlotEntry;
    if (!slot.entries.delete(handle as SlotEntry) || slot.entries.size > 0) return;
    if (this.slots.get(slot.at) !== slot) return; // running now, or ran
    this.scheduler.clearTimeout(slot.timer);
    this.slots.delete(slot.at);
  }

  /** Slots waiting to run (tests: one timer per slot, not per poll). */
  size(): number {
    return this.slots.size;
  }

  private run(slot: Slot): void {
    if (this.slots.get(slot.at) === slot) this.slots.delete(slot.at);
    // A poll run here may take another of this slot out (a list pass holds the jobs it serves):
    // a Set's iteration skips what was deleted.
    for (const entry of slot.entries) {
      slot.entries.delete(entry);
      entry.fn();
    }
  }
}
