/**
 * Vitest setup file (every test file): module-level test state that a file may change goes back
 * when the file ends. The unit files share one module graph per fork (`isolate: false` in
 * vitest.config.ts), so without this the next file in the fork would inherit it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { signAt } from '../emulators/listClient.ts';

// A file that signs its list requests at an emulator's frozen clock (signAt) leaves the next
// file signing at the real time, as the emulators it starts expect.
afterAll(() => signAt(Date.now));

// The default history store is a SQLite file in JOBGRAPH_DATA_DIR (./jobgraph-data): each test
// worker, and every jobgraph process it spawns (which inherit its environment), keeps its own
// in a temporary folder instead of the repository's.
process.env.JOBGRAPH_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'jobgraph-test-data-'));
