import { afterEach } from 'vitest';
import { clearCalls, resetFaults, startTestGateway, type TestGateway } from './gateway.ts';
import { useStarted } from './useStarted.ts';

/**
 * The demo gateway of a test file or `describe` block (`startTestGateway(env, options)`), started
 * before its first test and closed after its last (see `useStarted`). `env` may be a function,
 * read when the gateway starts (for a value another `beforeAll` makes first).
 */
export function useTestGateway(
  env: Record<string, string> | (() => Record<string, string>) = {},
  options: Parameters<typeof startTestGateway>[1] = {},
): TestGateway {
  return useStarted(
    'the test gateway',
    () => startTestGateway(typeof env === 'function' ? env() : env, options),
    (gateway) => gateway.close(),
  );
}

/**
 * `useTestGateway(env)` whose emulators' faults and the upstream calls it counted are cleared
 * after each test, for tests that break providers on purpose.
 */
export function useFaultedGateway(
  env: Record<string, string>,
  options: Parameters<typeof startTestGateway>[1] = {},
): TestGateway {
  const gw = useTestGateway(env, options);
  afterEach(() => {
    resetFaults(gw);
    clearCalls(gw);
  });
  return gw;
}

/**
 * `useFaultedGateway` whose circuits open after `failures` distinct failing jobs of a provider in
 * a region and let a trial through `halfOpenMs` later; each job is tried once (no retries).
 */
export const useBreakerGateway = (failures: number, halfOpenMs: number): TestGateway =>
  useFaultedGateway(
    { JOBGRAPH_BREAKER_FAILURES: String(failures), JOBGRAPH_UPSTREAM_MAX_ATTEMPTS: '1' },
    { bounds: { breakerHalfOpenMs: halfOpenMs } },
  );

/**
 * The demo gateway (see `useTestGateway`) on an emulators' clock the test sets: it starts at `base`,
 * the time the block is declared (near the real time, so the emulators still accept the gateway's
 * signatures), which is also the progressing jobs' epoch, and stands until `at(offsetMs)` sets it
 * `offsetMs` past `base`.
 */
export function useSetClockGateway(env: Record<string, string> = {}) {
  const base = Date.now();
  let clock = base;
  const gw = useTestGateway(env, { emulatorClock: { now: () => clock, epochMs: base } });
  const at = (offsetMs: number) => {
    clock = base + offsetMs;
  };
  return { gw, base, at };
}
