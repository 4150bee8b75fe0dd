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
