import { afterAll, afterEach } from 'vitest';
import {
  startEmulator,
  type ProviderEmulator,
  type RunningEmulator,
} from '../../src/emulators/framework.ts';
import { signAt } from './listClient.ts';

/** When the list tests' clock starts: their emulators' epoch, and the time their requests are signed at. */
export const LIST_START = Date.parse('2026-11-02T10:00:00.000Z');

/**
 * One list test file's clock and emulators: `now` starts at LIST_START, a test may move it, and it
 * goes back after each test; requests are signed at it (signAt); every emulator `start`ed is
 * closed after the file.
 */
export function useListHarness() {
  const harness = {
    now: LIST_START,
    async start(emulator: ProviderEmulator): Promise<RunningEmulator> {
      const running = await startEmulator(emulator);
      started.push(running);
      return running;
    },
  };
  const started: RunningEmulator[] = [];
  signAt(() => harness.now);
  afterEach(() => {
    harness.now = LIST_START;
  });
  afterAll(async () => {
    await Promise.all(started.map((e) => e.close()));
  });
  return harness;
}
