import { ManualScheduler } from './scheduler.ts';
import { useTestGateway } from './useTestGateway.ts';

/**
 * A test file's demo gateway on the test's clocks (see `useTestGateway`): its pollers on `clock`
 * (a ManualScheduler the test moves), the emulators' clock `emulatorNow` from `epochMs` (the
 * progressing jobs' epoch). `idle()` resolves once every poller waits for its next poll (each
 * open subscription has its token-expiry timer too).
 */
export function useClockedGateway(emulatorNow: () => number, epochMs: number) {
  const clock = new ManualScheduler();
  const gw = useTestGateway(
    {},
    { watchScheduler: clock, emulatorClock: { now: emulatorNow, epochMs } },
  );
  const hub = () => gw.server.subscriptions.hub;
  async function idle(): Promise<void> {
    while (clock.pending().length < hub().registry.size() + hub().open())
      await clock.timersPending(clock.pending().length + 1);
  }
  return { gw, clock, hub, idle };
}
