import { BadUserInputError } from '../../../errors.ts';
import type { KindCall } from '../../shared/provider.ts';
import {
  OMICS_BATCH_LIST_MAX_ITEMS,
  OMICS_LIST_RUNS_IN_BATCH,
  type OmicsRunInBatch,
} from './list.ts';
import type { OmicsRunBatchRecord } from './record.ts';

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
 * `OmicsRunBatch.runs(first, after)` (`JobKind.fields`): one ListRunsInBatch page (in submission
 * order) through `call`, under the caller's grant on the batch's account; `after` is the previous
 * page's `endCursor` (the service's own page token, handed back as it was given).
 */
export async function runsOfBatch(
  batch: OmicsRunBatchRecord,
  args: Readonly<Record<string, unknown>>,
  call: KindCall,
) {
  const first = args.first;
  if (
    typeof first !== 'number' ||
    !Number.isInteger(first) ||
    first < 1 ||
    first > OMICS_BATCH_LIST_MAX_ITEMS
  )
    throw new BadUserInputError(`Argument "first" must be 1 to ${OMICS_BATCH_LIST_MAX_ITEMS}.`, {
      argument: 'first',
    });
  const after = typeof args.after === 'string' ? args.after : null;
  const page = await call(OMICS_LIST_RUNS_IN_BATCH, {
    region: batch.region,
    batchId: batch.batchId,
    maxResults: first,
    nextToken: after,
  });
  // The run's prefix carries the batch's account alias, as the batch's own ID does.
  const prefix = batch.id.slice(0, batch.id.indexOf(':')).replace(/^omicsbatch/, 'omicsrun');
  const items: RunOfBatch[] = page.items.map((run) => ({
    ...run,
    jobId: runIdOf(prefix, batch.region, run),
  }));
  return { items, endCursor: page.nextToken, hasNextPage: page.nextToken !== null };
}
