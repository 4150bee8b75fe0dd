/**
 * Rerunning a job (docs/actions.md, "Rerun"): what a provider's rerun is given and answers. A
 * provider that reruns has a `rerun` on its wire (source.ts, `ProviderWire.rerun`) and so on its
 * source (`JobSource.rerun`); the service that decides when to call it is src/actions/rerun.ts.
 */
import type { JobRecord } from '../../model/job.ts';
import type { CallOptions } from './rateGate.ts';

/** The tag a rerun carries naming the global ID of the job it reruns. */
export const RERUN_OF_TAG = 'jobgraph:rerun-of';
/** The tag a rerun carries naming its key (a digest: the Idempotency-Key, or the request's). */
export const RERUN_KEY_TAG = 'jobgraph:rerun-key';

/** What a rerun's operations are given: the job rerun as described, and the tags the new job carries. */
export interface RerunInput<K> {
  /** The job rerun (a child's parent: `RerunSource.subject`). */
  key: K;
  /** Its record, as described just before. */
  record: JobRecord;
  /** Its global ID (the `jobgraph:rerun-of` tag). */
  sourceId: string;
  /** The rerun's key (the `jobgraph:rerun-key` tag). */
  rerunKey: string;
}

/** A submitted rerun: the new job's provider ID, and the request ID of the call. */
export interface RerunSubmitted {
  jobId: string;
  requestId: string | null;
}

/** A source's rerun (JobSource.rerun): its calls through the one pipeline, signed for the key's account. */
export interface RerunSource<K> {
  /** The job whose rerun `key`'s is (an AWS Batch array child's or node's: its parent). */
  subject(key: K): K;
  /** The key of the job `jobId` made by a rerun of `key` (same region and account). */
  keyOf(key: K, jobId: string): K;
  /** Submit the rerun. */
  submit(input: RerunInput<K>, options?: CallOptions): Promise<RerunSubmitted>;
  /** The provider IDs of the jobs that may be this rerun (AWS Batch: its queue's jobs of its name). */
  candidates(input: RerunInput<K>, options?: CallOptions): Promise<string[]>;
  /** Whether `record` is the rerun `input` asks (its tags name the job rerun and the key). */
  made(record: JobRecord, input: RerunInput<K>): boolean;
}
