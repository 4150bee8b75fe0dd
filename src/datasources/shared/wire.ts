/**
 * What a provider is on the wire, as the one pipeline (source.ts) takes it: a request, an
 * operation, a provider's wire (describe, credentials, endpoints, signing), and the source made of it.
 */
import type { JobProvider, JobRecord } from '../../model/job.ts';
import type { JobKey } from '../../model/keys.ts';
import type { JobActionName } from '../../config/types.ts';
import type { ActedAnswer, ActionInput } from './acting.ts';
import type { UpstreamError } from '../../errors.ts';
import type { AnswerMemo } from './answerMemo.ts';
import type { HttpResult } from './http.ts';
import type { CallOptions } from './rateGate.ts';
import type { JobSource } from './types.ts';
import type { RerunInput, RerunSubmitted, RerunWire } from './rerunning.ts';

/** One request of an operation, before it is addressed and signed. */
export interface WireRequest {
  method: 'GET' | 'POST';
  /** The operation's path under the endpoint's own path, labels URI-encoded (`/jobs/${rfc3986(id)}`). */
  path: string;
  /** Query parameters, decoded, in the order sent. */
  query?: readonly (readonly [string, string])[];
  /** Headers besides host, user-agent and the signature's; lower-case names. */
  headers: Record<string, string>;
  body: string;
  /**
   * Put in front of a resolved endpoint's host, never an override's: the operation's endpoint
   * trait (HealthOmics `control-storage-`) or the account label (COS Batch `{uin}.`).
   */
  hostPrefix?: string;
}

/** What a signer signs: the request as it goes on the wire. */
export interface SignableRequest {
  method: string;
  /** The Host header (`host[:port]`). */
  host: string;
  /** The path as sent, encoded. */
  path: string;
  query: readonly (readonly [string, string])[];
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

/**
 * One operation of a provider (DescribeJob, GetStatus, a list call): how to ask, how to read a
 * success, how to read an error answer. The pipeline does everything else.
 */
export interface Operation<I, O> {
  /** As metrics and traces name it (`GetJobDetails`). */
  name: string;
  /** The region the call is signed for and sent to. */
  region(input: I): string;
  /** The request of `input`. */
  send(input: I): WireRequest;
  /**
   * The failure an error answer (any status outside 2xx) means, read from the provider's
   * envelope: an UpstreamError whose message is generated, never the provider's text.
   */
  readError(input: I, answer: HttpResult): UpstreamError;
  /**
   * The value of a 2xx answer. Throws MalformedBodyError for a body it cannot read, or an
   * UpstreamError for an error envelope sent with a 2xx (COS does for some operations).
   */
  parse(input: I, answer: HttpResult): O;
  /**
   * The parts of a success body (its bytes as read) that say its value, when the rest changes
   * between identical answers (Import/Export's request ID): two answers whose parts are equal
   * parse to the same value (answerMemo.ts). Absent: the whole body.
   */
  sameAnswer?: (body: Buffer) => readonly Buffer[];
  /**
   * The value of a 2xx answer of a call for many jobs, given each job's last answer (in the
   * input's order, CallOptions.answers): a job whose part of the body is the same as last time is
   * its last value again, and each memo given is brought up to date (AWS Batch's DescribeJobs).
   * Absent, or a call without `answers`: `parse`.
   */
  parseWith?(input: I, answer: HttpResult, answers: readonly (AnswerMemo | undefined)[]): O;
  /**
   * Set on an operation that changes a job (AWS Batch CancelJob): its permission goes in the write
   * policy (docs/iam/jobgraph-write.json), never the read one, and it is called only for a
   * mutation that passed the actions' guards (docs/actions.md).
   */
  acts?: true;
  /** Operations whose permission this call needs too (SubmitJob with tags: TagResource). */
  alsoNeeds?: readonly string[];
}

/**
 * What a provider is on the wire for one configuration, whatever the operation: its describe
 * operation, credentials, endpoints, signing. Each provider's client.ts makes its own.
 */
export interface ProviderWire<K extends JobKey, R extends JobRecord, C> {
  /** The provider's "describe a job" operation. */
  describe: Operation<K, R>;
  /**
   * Its "describe many jobs" operation, when it has one (AWS Batch's DescribeJobs): keys of one
   * region and account, at most `max`, in one call; one outcome per key, in their order.
   */
  describeMany?: { max: number; operation: Operation<readonly K[], (R | Error)[]> };
  /**
   * Credentials for one call in `account` (AWS: an alias, undefined for the default account;
   * COS Batch: the job's UIN), resolved before its first attempt (inside its budget).
   */
  credentials(account: string | undefined): Promise<C>;
  /** The provider's own endpoint for a region, used when no override is configured. */
  endpoint(region: string): Promise<URL> | URL;
  /** The headers to send: the request's, plus host and the signature's, for `credentials` at `date`. */
  sign(
    request: SignableRequest,
    credentials: C,
    region: string,
    date: Date,
  ): Record<string, string>;
  /** The provider's request ID of an answer, success or error. */
  requestId(answer: HttpResult): string | null;
  /** A global service has one endpoint: no regional endpoints to count. */
  global?: boolean;
  /** Said after a transport failure (not a timeout): Panorama's end of support. */
  unreachableNote?: string;
  /** Its operations that act on a job (docs/actions.md), by action; absent: none. */
  actions?: Partial<Record<JobActionName, Operation<ActionInput<K>, ActedAnswer>>>;
  /** Its rerun (docs/actions.md, "Rerun"): its operations, and what is read of keys and records. */
  rerun?: RerunWire<
    K,
    Operation<RerunInput<K>, RerunSubmitted>,
    Operation<RerunInput<K>, string[]>
  >;
  /**
   * Its further kinds of job (`Provider.kinds`), by the `kind` their keys carry: each one's
   * describe, actions and rerun, through the same pipeline (its sockets, rate budget and breakers
   * are the provider's, shared by every kind). A key of a kind has no batch describe.
   */
  kinds?: Readonly<Record<string, KindWire<JobRecord>>>;
}

/**
 * One further kind of a provider's jobs on the wire (`ProviderWire.kinds`): its describe, and the
 * operations that act on it (absent: none). Its keys are the kind's (`KindKeyOf`), read by its own
 * operations.
 */
export interface KindWire<R extends JobRecord> {
  describe: Operation<JobKey, R>;
  actions?: Partial<Record<JobActionName, Operation<ActionInput<JobKey>, ActedAnswer>>>;
  rerun?: RerunWire<
    JobKey,
    Operation<RerunInput<JobKey>, RerunSubmitted>,
    Operation<RerunInput<JobKey>, string[]>
  >;
}

/** A provider's source: the JobSource the gateway uses, and any other operation through the same pipeline. */
export interface ProviderSource<P extends JobProvider, R extends JobRecord> extends JobSource<
  P,
  R
> {
  call<I, O>(operation: Operation<I, O>, input: I, options?: CallOptions): Promise<O>;
}
