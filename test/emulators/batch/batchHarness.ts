import { BatchClient } from '@aws-sdk/client-batch';
import type { RunningEmulator } from '@jobgraph/emulators/framework';
import { createBatchEmulator } from '@jobgraph/emulators/batch/emulator';
import { useListHarness } from '../listHarness.ts';

/**
 * A Batch emulator test file's list harness (useListHarness): `emulator()` starts an AWS Batch
 * emulator on its clock, `sdk(emu, region)` is a @aws-sdk/client-batch client of one, destroyed
 * after the file.
 */
export function useBatchHarness() {
  const harness = useListHarness();
  return {
    harness,
    emulator: () => harness.startOn(createBatchEmulator),
    sdk: (emu: RunningEmulator, region?: string) =>
      harness.client(new BatchClient(harness.sdkOptions(emu, region))),
  };
}
