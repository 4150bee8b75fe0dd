/**
 * What lister.test.ts and listerFailures.test.ts share: the listing engine over the real emulators
 * and the demo configuration's guarded sources: every job the emulators' list operations show
 * (`listedDemoJobs`) plus each one's progressing job (e.g. 65 Panorama jobs, 48 + 1 and 24
 * HealthOmics jobs in two reference stores, 79 COS Batch, 67 Import/Export, 14 AWS Batch jobs in
 * three queues). The totals and costs are derived from that data and the registry, so a provider
 * added to both needs no number changed here.
 */
import { afterEach, beforeEach, expect } from 'vitest';
import type { JobListPage } from '../../../src/datasources/listing/index.ts';
import { DEMO_OMICS_REFERENCE_STORE_IDS } from '../../../src/emulators/index.ts';
import { BadUserInputError } from '../../../src/errors.ts';
import type { JobProvider } from '../../../src/model/job.ts';
import { useStarted } from '../../support/useStarted.ts';
import { EMULATORS, startListingRig, type ListingRig } from './support.ts';

export const [STORE_1, STORE_2] = DEMO_OMICS_REFERENCE_STORE_IDS as [string, string];

/**
 * The listing rig for a test file (see `useStarted`): started before its first test, each test's
 * calls counted from zero, and every emulator's faults reset after each test.
 */
export function useListerRig(): ListingRig {
  const rig = useStarted(
    'the listing rig',
    () => startListingRig(),
    (started) => started.close(),
  );
  beforeEach(() => rig.clearCalls());
  afterEach(() => {
    for (const name of EMULATORS) rig.emulators[name].resetFaults();
  });
  return rig;
}

export const ids = (page: JobListPage) => page.edges.map((e) => e.job.id);

/** A page's report of one source of the default account: LISTED, no store, queue or code, but for `fields`. */
export const sourceReport = (
  provider: JobProvider,
  region: string | null,
  fields: { referenceStoreId?: string; jobQueue?: string; state?: string; code?: string } = {},
) => ({
  provider,
  account: 'default',
  region,
  referenceStoreId: null,
  jobQueue: null,
  state: 'LISTED',
  code: null,
  ...fields,
});

export async function refusal(run: () => Promise<unknown>): Promise<BadUserInputError> {
  const err = await run().then(
    () => new Error('accepted'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(BadUserInputError);
  return err as BadUserInputError;
}
