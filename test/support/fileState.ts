/**
 * Vitest setup file (every test file): module-level test state that a file may change goes back
 * when the file ends. The unit files share one module graph per fork (`isolate: false` in
 * vitest.config.ts), so without this the next file in the fork would inherit it.
 */
import { afterAll } from 'vitest';
import { signAt } from '../emulators/listClient.ts';

// A file that signs its list requests at an emulator's frozen clock (signAt) leaves the next
// file signing at the real time, as the emulators it starts expect.
afterAll(() => signAt(Date.now));
