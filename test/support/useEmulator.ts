import { afterAll, beforeAll } from 'vitest';
import {
  startEmulator,
  type ProviderEmulator,
  type RunningEmulator,
} from '../../src/emulators/framework.ts';

/**
 * One provider emulator for a test file or `describe` block: started (from `create()`) before its
 * first test, closed after its last. The handle reads through to the running emulator, so a file
 * says `const emu = useEmulator(createPanoramaEmulator)` where it said a `let`, a `beforeAll` and
 * an `afterAll`.
 */
export function useEmulator(create: () => ProviderEmulator): RunningEmulator {
  let running: RunningEmulator | undefined;
  beforeAll(async () => {
    running = await startEmulator(create());
  });
  afterAll(async () => {
    await running?.close();
  });
  const emulator = (): RunningEmulator => {
    if (!running) throw new Error('the emulator is used before its beforeAll has started it');
    return running;
  };
  return new Proxy({} as RunningEmulator, {
    get: (_target, key) => Reflect.get(emulator(), key) as unknown,
    has: (_target, key) => Reflect.has(emulator(), key),
  });
}
