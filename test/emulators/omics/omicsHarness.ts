import { OmicsClient } from '@aws-sdk/client-omics';
import type { EventBridgeEvent } from '@jobgraph/emulators/eventBridge';
import type { RunningEmulator } from '@jobgraph/emulators/framework';
import { createOmicsEmulator } from '@jobgraph/emulators/omics/emulator';
import { runAwsCli } from '../awsCli.ts';
import { useListHarness } from '../listHarness.ts';

/** A file's list harness (`useListHarness`) and what the HealthOmics emulator's tests ask of it. */
export function useOmicsHarness() {
  const harness = useListHarness();
  return {
    harness,
    /** @aws-sdk/client-omics for `emu` in `region`, no host prefix (the emulator is on loopback). */
    sdk: (emu: RunningEmulator, region?: string) =>
      harness.client(
        new OmicsClient({ ...harness.sdkOptions(emu, region), disableHostPrefix: true }),
      ),
    /** An Omics emulator on the harness's clock, started, and the EventBridge events it publishes. */
    withEvents: async (): Promise<{ emu: RunningEmulator; events: EventBridgeEvent[] }> => {
      const events: EventBridgeEvent[] = [];
      const emu = await harness.start(
        createOmicsEmulator({ now: () => harness.now, events: { publish: (e) => events.push(e) } }),
      );
      return { emu, events };
    },
    /**
     * `aws omics <args>` (JSON out) against an Omics emulator of its own, started on the real
     * clock: the CLI signs at the wall clock.
     */
    cli: async (): Promise<(args: string[]) => ReturnType<typeof runAwsCli>> => {
      const emu = await harness.start(createOmicsEmulator());
      const at = ['--endpoint-url', emu.url, '--output', 'json'];
      return (args) =>
        runAwsCli(['omics', ...args, ...at], { AWS_DISABLE_HOST_PREFIX_INJECTION: 'true' });
    },
  };
}
