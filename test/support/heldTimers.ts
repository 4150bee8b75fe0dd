import type { Schedule } from '../../src/notifications/notifier.ts';

/**
 * A `Schedule` (src/notifications/notifier.ts) on real, unref'd timers that a test can hold: while
 * held, a timer armed is kept and not started, and `release()` runs what was kept. The test, not
 * the clock, decides when a window ends, however busy the machine.
 */
export class HeldTimers {
  #held: { run: () => void; live: boolean }[] | null = null;
  /** The delays (ms) of the timers armed since `hold()`, in order. */
  readonly armed: number[] = [];

  readonly schedule: Schedule = (run, ms) => {
    if (this.#held) {
      const kept = { run, live: true };
      this.#held.push(kept);
      this.armed.push(ms);
      return { cancel: () => void (kept.live = false) };
    }
    const timer = setTimeout(run, ms);
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  };

  /** Keep every timer armed from now on until `release()`. */
  hold(): void {
    this.#held = [];
    this.armed.length = 0;
  }

  /** Run the timers kept (those not cancelled) and arm real ones again. */
  release(): void {
    const kept = this.#held ?? [];
    this.#held = null;
    for (const t of kept) if (t.live) t.run();
  }
}
