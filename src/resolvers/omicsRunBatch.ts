import type { RequestContext } from '../context.ts';
import {
  OMICS_BATCH_LIST_MAX_ITEMS,
  OMICS_LIST_RUNS_IN_BATCH,
  type OmicsRunInBatch,
} from '../datasources/omics/runBatch/list.ts';
import type { OmicsRunBatchRecord } from '../datasources/omics/runBatch/record.ts';
import { BadUserInputError } from '../errors.ts';
import { parseGlobalId } from '../model/globalId.ts';

/** One run of a batch as `OmicsRunBatch.runs` answers it: the service's item, and the run's global ID. */
interface RunOfBatch extends OmicsRunInBatch {
  jobId: string | null;
}

/**
 * The run's global ID, `omicsrun:{region}:{uuid}:{runId}` in the batch's account (HealthOmics
 * reuses a deleted run's ID, never its UUID): null for a run setting whose submission failed (no
 * run) or an item without its UUID.
 */
function runIdOf(prefix: string, region: string, run: OmicsRunInBatch): string | null {
  if (!run.runId || !run.runInternalUuid) return null;
  return `${prefix}:${region}:${run.runInternalUuid}:${run.runId}`;
}

/**
 * `OmicsRunBatch.runs(first, after)`: one ListRunsInBatch page (in submission order), under the
 * caller's grant on the batch's account; `after` is the previous page's `endCursor` (the
 * service's own page token, handed back as it was given).
 */
export const OmicsRunBatch = {
  async runs(
    batch: OmicsRunBatchRecord,
    args: { first: number; after?: string | null },
    context: RequestContext,
  ) {
    if (!Number.isInteger(args.first) || args.first < 1 || args.first > OMICS_BATCH_LIST_MAX_ITEMS)
      throw new BadUserInputError(`Argument "first" must be 1 to ${OMICS_BATCH_LIST_MAX_ITEMS}.`, {
        argument: 'first',
      });
    const key = parseGlobalId(batch.id);
    const page = await context.jobCall(
      key,
      OMICS_LIST_RUNS_IN_BATCH,
      {
        region: batch.region,
        batchId: batch.batchId,
        maxResults: args.first,
        nextToken: args.after ?? null,
      },
      'OmicsRunBatch.runs',
    );
    // The run's prefix carries the batch's account alias, as the batch's own ID does.
    const prefix = batch.id.slice(0, batch.id.indexOf(':')).replace(/^omicsbatch/, 'omicsrun');
    const items: RunOfBatch[] = page.items.map((run) => ({
      ...run,
      jobId: runIdOf(prefix, batch.region, run),
    }));
    return { items, endCursor: page.nextToken, hasNextPage: page.nextToken !== null };
  },
};
