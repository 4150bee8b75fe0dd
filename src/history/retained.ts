/**
 * The history store as the guarded loader reads it once a provider answers NOT_FOUND: the job's
 * latest record (stored without its secrets), marked `retained`, with when jobgraph last saw it.
 */
import DataLoader from 'dataloader';
import type { JobRecord } from '../model/job.ts';
import type { HistoryReader, RetainedJob } from './reader.ts';

/** The most IDs one read asks for: an `IN` list well within SQLite's and PostgreSQL's bounds on parameters. */
const MAX_RECALL_BATCH = 500;

export function retainedJobs(
  reader: Pick<HistoryReader, 'retainedMany'>,
  /** Told of each failed read, once for its batch (the store is degraded; the NOT_FOUND stands). */
  failed: (e: unknown) => void = () => undefined,
): { recall(globalId: string): Promise<JobRecord | undefined> } {
  // The NOT_FOUND answers of one turn of the event loop are one read: an upstream batch's jobs
  // arrive together, and per-job answers (Panorama, HealthOmics, …) that come in one poll of the
  // sockets do too (setImmediate: after the turn's I/O callbacks). Not a cache: a job retained
  // now may be written again a moment later.
  const loader = new DataLoader<string, RetainedJob | null>(
    async (ids) => {
      try {
        // Every account: authorization was decided on each ID before the provider was called,
        // and the row of an ID is of the ID's account.
        const kept = await reader.retainedMany(ids, '*');
        return ids.map((id) => kept.get(id) ?? null);
      } catch (e) {
        failed(e);
        return ids.map(() => null);
      }
    },
    { cache: false, maxBatchSize: MAX_RECALL_BATCH, batchScheduleFn: (run) => setImmediate(run) },
  );
  return {
    recall: async (globalId) => {
      const kept = await loader.load(globalId);
      if (kept === null || kept.record.id !== globalId) return undefined;
      return { ...kept.record, retained: true, lastConfirmedAt: kept.lastConfirmedAt };
    },
  };
}
