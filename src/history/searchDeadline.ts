/**
 * A history search's time limit (JOBGRAPH_HISTORY_SEARCH_TIMEOUT_MS): the error a search past it
 * rejects with, and the main thread's own clock on it, which answers at the limit whatever the
 * store is doing.
 */

/** A history search ran past its time limit (the request layer tells the caller how to narrow it). */
export class HistorySearchTimedOut extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the history search ran past its time limit (${timeoutMs} ms)`);
    this.name = 'HistorySearchTimedOut';
  }
}

/**
 * `work` answered, or HistorySearchTimedOut once `timeoutMs` have passed, whichever is first;
 * `onLate` runs when the limit answered first (to stop what still runs).
 */
export function withDeadline<T>(
  work: Promise<T>,
  timeoutMs: number,
  onLate: () => void = () => undefined,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onLate();
      reject(new HistorySearchTimedOut(timeoutMs));
    }, timeoutMs);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
