/**
 * The history writer's batch hook (`HistoryWriterOptions.inBatch`): what a part outside the
 * history (the notifier) is given of each batch, inside its transaction. Those parts import this
 * file and records.ts (a batch's jobs), never the write path's own (batchStatements.ts, writer.ts).
 */
import type { Kysely } from 'kysely';
import type { HistoryTables, TransitionRow } from './database.ts';
import type { StagedJob } from './records.ts';

/** What a batch's `inBatch` asks to be done once the batch has committed. */
export type AfterCommit = () => void;

/**
 * Called with each batch's transitions and staged jobs inside the batch's transaction; its
 * failure fails the batch; what it answers is called once the transaction has committed.
 */
export type BatchHook = (
  tx: Kysely<HistoryTables>,
  transitions: readonly TransitionRow[],
  jobs: readonly StagedJob[],
) => Promise<AfterCommit | void>;
