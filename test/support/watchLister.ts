import { ListSnapshots } from '../../src/datasources/listing/snapshots.ts';
import { createWatchLister } from '../../src/subscriptions/watchLister.ts';
import type { TestGateway } from './gateway.ts';

/**
 * A watch lister over the gateway's sources that keeps no list snapshot: each pass reads the list
 * as the emulators' clock has moved it.
 */
export const unsnapshottedWatchLister = (gw: TestGateway) =>
  createWatchLister({
    sources: gw.sources,
    config: gw.config,
    caller: 'test',
    snapshots: new ListSnapshots({ ttlMs: 0 }),
  });
