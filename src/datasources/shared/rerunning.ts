/**
 * Rerunning a job (docs/actions.md, "Rerun"): what a provider's rerun is given and answers. A
 * provider that reruns has a `rerun` on its wire (source.ts, `ProviderWire.rerun`) and so on its
 * source (`JobSource.rerun`); the service that decides when to call it is src/actions/rerun.ts.
 */
import { accountOfKey, type KeyGrammar } from '../../model/keyGrammar.ts';
import type { JobKey } from '../../model/keys.ts';
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
  /**
   * The provider IDs of the jobs that may be this rerun (AWS Batch: its queue's jobs of its name),
   * where the provider takes no request token. Absent: its submit carries the rerun's key as the
   * provider's own token (COS Batch's ClientRequestToken), so submitting again answers the job the
   * first submit made.
   */
  readonly candidates?: (input: RerunInput<K>, options?: CallOptions) => Promise<string[]>;
  /** Whether `record` is the rerun `input` asks (its tags, or its token, name the key). */
  made(record: JobRecord, input: RerunInput<K>): boolean;
  /** What the answer's message adds of how the provider reruns (what was not carried over). */
  readonly said: string;
}

/** A provider wire's rerun (ProviderWire.rerun): its operations (`S`, `C`), and what is read of keys and records. */
export type RerunWire<K, S, C> = Omit<RerunSource<K>, 'submit' | 'candidates'> & {
  submit: S;
  candidates?: C;
};

/** A source's rerun (JobSource.rerun) from its wire's: each call signed for the key's account, through `call` (the pipeline). */
export function rerunSourceOf<K extends JobKey, S, C>(
  grammar: KeyGrammar | undefined,
  wire: RerunWire<K, S, C>,
  call: (operation: S | C, input: RerunInput<K>, options: CallOptions) => Promise<unknown>,
): RerunSource<K> {
  const inAccount = (key: K, options: CallOptions = {}): CallOptions => {
    const account = grammar ? accountOfKey(grammar, key) : undefined;
    return account === undefined ? options : { ...options, account };
  };
  return {
    subject: (key) => wire.subject(key),
    keyOf: (key, jobId) => wire.keyOf(key, jobId),
    made: (record, input) => wire.made(record, input),
    said: wire.said,
    submit: (input, o) =>
      call(wire.submit, input, inAccount(input.key, o)) as Promise<RerunSubmitted>,
    ...(wire.candidates !== undefined
      ? {
          candidates: (input: RerunInput<K>, o?: CallOptions) =>
            call(wire.candidates as C, input, inAccount(input.key, o)) as Promise<string[]>,
        }
      : {}),
  };
}
