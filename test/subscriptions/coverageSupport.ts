/**
 * What the coverage tests (coverage*.e2e.test.ts) wait for, beside clusterEventSupport.ts's COVERED
 * jobs: kept apart from the cluster support files because bench/clusterShare.ts imports
 * clusterSupport.ts, and this one imports vitest.
 */
import { expect, vi } from 'vitest';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { loadCoverageEvidence, type CoverageEvidence } from '../../src/history/coverageEvidence.ts';
import { openHistoryDatabase } from '../../src/history/database.ts';

const LONG = 60_000;

/**
 * Waits until `calls[counted]` has grown by `n` from now (the control job's polls, or the Batch
 * job's reads), then gives what both counts grew by meanwhile.
 */
export async function countedOver(
  calls: { batch: number; omics: number },
  counted: 'batch' | 'omics',
  n: number,
): Promise<{ batch: number; omics: number }> {
  const from = { ...calls };
  await vi.waitFor(() => expect(calls[counted] - from[counted]).toBeGreaterThanOrEqual(n), {
    timeout: LONG,
    interval: 50,
  });
  return { batch: calls.batch - from.batch, omics: calls.omics - from.omics };
}

/** Waits until the history store holds coverage evidence matching `evidence`, read from the store itself. */
export async function untilEvidence(
  store: HistoryStoreConfig,
  evidence: Partial<CoverageEvidence>,
): Promise<void> {
  const db = (await openHistoryDatabase(store))!;
  try {
    await vi.waitFor(
      async () =>
        expect(await loadCoverageEvidence(db.db)).toContainEqual(expect.objectContaining(evidence)),
      { timeout: LONG, interval: 100 },
    );
  } finally {
    await db.close();
  }
}
