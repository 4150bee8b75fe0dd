import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import {
  startEmulator,
  type ProviderEmulator,
  type RunningEmulator,
} from '@jobgraph/emulators/framework';
import { useStarted } from './useStarted.ts';

/** One provider emulator (from `create()`) for a test file or `describe` block (see `useStarted`). */
export function useEmulator(create: () => ProviderEmulator): RunningEmulator {
  return useStarted(
    'the emulator',
    () => startEmulator(create()),
    (emulator) => emulator.close(),
  );
}

/** The demo's emulator set (`startEmulators()`) for a test file or `describe` block (see `useStarted`). */
export function useEmulatorSet(): EmulatorSet {
  return useStarted(
    'the emulator set',
    () => startEmulators(),
    (set) => set.close(),
  );
}
