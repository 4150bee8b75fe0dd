/**
 * `run()`'s promise, or, when `run` throws before it makes one, a promise rejected with what it
 * threw — exactly as an async function would have rejected, without one being made per call
 * (the limiter's tasks, the breaker's wrapped call, a call's first attempt and its send).
 */
export function promiseOf<T>(run: () => Promise<T>): Promise<T> {
  try {
    return run();
  } catch (err) {
    // Passed on as is: whatever was thrown is what the promise rejects with.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(err);
  }
}
