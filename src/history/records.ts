/**
 * A batch's jobs as readers outside the history see them (the writer's batch hook, batchHook.ts):
 * the row a batch stages and its record as the store keeps it. The write path (batchStatements.ts,
 * writer.ts) imports these; no reader imports the write path.
 */
import { storableJson } from './storableText.ts';
import type { JobRow } from './tables.ts';

/**
 * A job's row as a batch holds it: every column but the record, and the record (without its
 * secrets) whose JSON is made only as its statement is bound. A batch's jobs live through its
 * whole transaction, which gives the event loop a turn between statements; their JSON made up
 * front (≈ 2 KB a job, 4 MB a batch of 2,000) lived as long, survived the young generation's
 * collections of the requests served meanwhile, and was copied and promoted by them. Made a
 * statement at a time, it dies with the statement's parameters.
 */
export type StagedJob = Omit<JobRow, 'record'> & { readonly stripped: object };

/** A staged job's record as the store keeps it: what reading its `record` column back gives. */
export const storedRecordOf = (job: StagedJob): Record<string, unknown> =>
  JSON.parse(storableJson(job.stripped)) as Record<string, unknown>;
