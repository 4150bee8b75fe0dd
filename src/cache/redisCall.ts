/**
 * A Redis call bounded by the op timeout: it rejects with "Redis did not answer within N ms" when
 * the answer is late (the timer never holds the process up), and always with an `Error`.
 */
export function withinOpTimeout<T>(call: Promise<T>, opTimeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Redis did not answer within ${opTimeoutMs} ms`)),
      opTimeoutMs,
    );
    timer.unref();
    call.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}

/**
 * The shared connections' reconnect delay in ms: doubling from 25 ms up to `retryMs`, plus up to a
 * quarter of `retryMs` of jitter, so the replicas come back soon after Redis does (whatever the
 * cause) without reconnecting in step; never gives up.
 */
export const reconnectAfter =
  (retryMs: number) =>
  (retries: number): number =>
    Math.min(25 * 2 ** Math.min(retries, 10), retryMs) + Math.floor((Math.random() * retryMs) / 4);

/** The one pending re-check of a Redis connection that went away (see `recheckLater`). */
export interface Recheck {
  /** Run the check after `retryMs`, unless one is pending already or `stop` was called. */
  schedule: () => void;
  /** Cancel the pending check, and every later one. */
  stop: () => void;
}

/** Re-checks Redis every `retryMs` ms while `check` schedules them, one at a time; the timer never holds the process up. */
export function recheckLater(retryMs: number, check: () => Promise<void>): Recheck {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    schedule: () => {
      if (stopped || timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        void check();
      }, retryMs);
      timer.unref();
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
