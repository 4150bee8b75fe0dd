import { afterAll, afterEach } from 'vitest';
import {
  DEMO_AWS_CREDENTIALS,
  startEmulator,
  type ProviderEmulator,
  type RunningEmulator,
} from '@jobgraph/emulators/framework';
import type { ListOrder } from '@jobgraph/emulators/listing';
import { signAt } from './listClient.ts';
import { useStarted } from '../support/useStarted.ts';

/** When the list tests' clock starts: their emulators' epoch, and the time their requests are signed at. */
export const LIST_START = Date.parse('2026-11-02T10:00:00.000Z');

/** What a listable emulator's factory takes: its clock, its epoch, the order it lists in. */
interface ListEmulatorOptions {
  now: () => number;
  epochMs: number;
  listOrder?: ListOrder;
}

/**
 * One list test file's clock, emulators and SDK clients: `now` starts at LIST_START, a test may
 * move it, and it goes back after each test; requests are signed at it (signAt); every emulator
 * `start`ed is closed, and every SDK `client` destroyed, after the file.
 */
export function useListHarness() {
  const harness = {
    now: LIST_START,
    async start(emulator: ProviderEmulator): Promise<RunningEmulator> {
      const running = await startEmulator(emulator);
      started.push(running);
      return running;
    },
    /** The emulator `create` makes on this clock (its epoch LIST_START), listing in `listOrder` if given, started. */
    startOn(
      create: (options: ListEmulatorOptions) => ProviderEmulator,
      listOrder?: ListOrder,
    ): Promise<RunningEmulator> {
      return harness.start(
        create({
          now: () => harness.now,
          epochMs: LIST_START,
          ...(listOrder ? { listOrder } : {}),
        }),
      );
    },
    /** An AWS SDK client's options for `emu` in `region`: the demo credentials, one attempt, signing at this clock. */
    sdkOptions(emu: RunningEmulator, region = 'us-east-1') {
      return {
        region,
        endpoint: emu.url,
        credentials: { ...DEMO_AWS_CREDENTIALS },
        maxAttempts: 1,
        systemClockOffset: harness.now - Date.now(),
      };
    },
    /**
     * The emulator `start` starts, for the tests of the file or `describe` block that asks:
     * started before the first of them (and closed with the others after the file).
     */
    use(start: () => Promise<RunningEmulator>): RunningEmulator {
      return useStarted('the list emulator', start, () => undefined);
    },
    /** `sdkClient`, destroyed after the file. */
    client<C extends { destroy(): void }>(sdkClient: C): C {
      clients.push(sdkClient);
      return sdkClient;
    },
  };
  const started: RunningEmulator[] = [];
  const clients: { destroy(): void }[] = [];
  signAt(() => harness.now);
  afterEach(() => {
    harness.now = LIST_START;
  });
  afterAll(async () => {
    for (const c of clients) c.destroy();
    await Promise.all(started.map((e) => e.close()));
  });
  return harness;
}
