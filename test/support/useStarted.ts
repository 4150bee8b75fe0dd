import { afterAll, beforeAll } from 'vitest';

/**
 * Something a test file or `describe` block runs against (a gateway, an emulator, a server):
 * started by `start` before its first test, stopped by `stop` after its last. The handle returned
 * reads (and writes) through to it once it has started, so a file says `const x = useSomething()` where it said a
 * `let`, a `beforeAll` that starts it and an `afterAll` that stops it.
 */
export function useStarted<T extends object>(
  what: string,
  start: () => Promise<T>,
  stop: (started: T) => Promise<void> | void,
): T {
  let started: T | undefined;
  beforeAll(async () => {
    started = await start();
  });
  afterAll(async () => {
    if (started) await stop(started);
  });
  const current = (): T => {
    if (!started) throw new Error(`${what} is used before its beforeAll has started it`);
    return started;
  };
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(current(), key) as unknown,
    has: (_target, key) => Reflect.has(current(), key),
    set: (_target, key, value) => Reflect.set(current(), key, value),
  });
}
