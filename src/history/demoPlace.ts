import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_HISTORY_FILE } from '../config/history.ts';
import type { HistoryStoreConfig } from '../config/types.ts';
import { dialectOf } from './dialect.ts';

/** Where the demo keeps its history, what its banner says of it, and how it is cleared. */
export interface DemoHistoryPlace {
  store: HistoryStoreConfig;
  /** One line for the banner: where, and what was there before this run. */
  said: string;
  /** At the demo's stop: deletes the run's own folder (nothing when the place was chosen). */
  remove(): Promise<void>;
}

/**
 * The demo's history (issue 106, item 3). Unless JOBGRAPH_DATA_DIR or JOBGRAPH_HISTORY_URL names
 * one, a fresh folder of its own under the system's temporary folder, deleted when it stops: each
 * `npm start` begins clean, and nothing (a test's demo either) is written into the working folder,
 * where an earlier run's jobs would show as "first seen" before this one started and its
 * progressing jobs' old runs as stuck. A place the user named is kept, and the banner says whether
 * it already held a history.
 */
export function demoHistoryPlace(store: HistoryStoreConfig): DemoHistoryPlace {
  const keep = (said: string) => ({ store, said, remove: async () => {} });
  if (store.kind === 'off') return keep('off (JOBGRAPH_HISTORY_URL=off)');
  const kept = dialectOf(store.kind).describeKept(store);
  if (kept !== null) return keep(kept);
  const dir = mkdtempSync(join(tmpdir(), 'jobgraph-demo-'));
  return {
    store: { kind: 'sqlite', path: join(dir, DEFAULT_HISTORY_FILE), dataDir: dir, implicit: false },
    said: `this run's own, new in ${dir}, deleted when the demo stops (JOBGRAPH_DATA_DIR keeps one across runs)`,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
