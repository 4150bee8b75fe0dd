/**
 * The history store as the guarded loader reads it once a provider answers NOT_FOUND: the job's
 * latest record (stored without its secrets), marked `retained`, with when jobgraph last saw it.
 */
import type { JobRecord } from '../model/job.ts';
import type { HistoryReader } from './reader.ts';

export function rememberedJobs(
  reader: HistoryReader,
  /** Told once of each failed read (the store is degraded; the NOT_FOUND stands). */
  failed: (e: unknown) => void = () => undefined,
): { recall(globalId: string): Promise<JobRecord | undefined> } {
  return {
    recall: async (globalId) => {
      try {
        // Every account: authorization was decided on the ID before the provider was called, and
        // the row of that ID is of the ID's account.
        const kept = await reader.remembered(globalId, '*');
        if (kept === null || kept.record.id !== globalId) return undefined;
        return { ...kept.record, retained: true, lastConfirmedAt: kept.lastConfirmedAt };
      } catch (e) {
        failed(e);
        return undefined;
      }
    },
  };
}
