import { ManualScheduler } from './scheduler.ts';
import { useTestGateway } from './useTestGateway.ts';

/**
 * A test file's demo gateway on the test's clocks (see `useTestGateway`): its pollers on `clock`
 * (a ManualScheduler the test moves), the emulators' clock `emulatorNow` from `epochMs` (the
 * progressing jobs' epoch). `idle()` resolves once every poller waits for its next poll (and each
 * open subscription has its token-expiry timer).
 */
export function useClockedGateway(emulatorNow: () => number, epochMs: number) {
  const clock = new ManualScheduler();
  const gw = useTestGateway(
    {},
    { watchScheduler: clock, emulatorClock: { now: emulatorNow, epochMs } },
  );
  const hub = () => gw.server.subscriptions.hub;
  async function idle(): Promise<void> {
    // Polls due together share one timer (pollSlots.ts): every poller waiting is what says idle.
    while (
      hub().registry.waiting() < hub().registry.size() ||
      clock.pending().length < hub().open()
    )
      await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return { gw, clock, hub, idle };
}
