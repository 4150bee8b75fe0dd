/**
 * Rerunning a job (docs/actions.md, "Rerun"): the provider call after jobActions.ts's guards,
 * judging and audit row. Where the provider takes a request token (COS Batch's
 * ClientRequestToken), the rerun's key is it, and a submit made again answers the same job.
 * AWS Batch's SubmitJob has no client token, so jobgraph keeps its own:
 * the rerun's key (a digest of who asks and their Idempotency-Key, else their reason), a durable
 * row written before the call (history/reruns.ts), and the key as a tag on the new job, by which
 * a lost answer is found again. A row with a result answers it, with no call; a row without one
 * (another replica mid-call, or a process that died between the row and the answer) looks for the
 * job by its tags, and submits again only once the row's lease has run out.
 */
import { createHash } from 'node:crypto';
import type { Config } from '../config/types.ts';
import { UpstreamError } from '../errors.ts';
import { formatGlobalId, parseGlobalId, type JobKey } from '../model/globalId.ts';
import type { JobRecord } from '../model/job.ts';
import type { Sources } from '../datasources/index.ts';
import { failureOf as providerFailure } from '../datasources/registry.ts';
import { breakerRegion } from '../datasources/guard/breakers.ts';
import { failureOf } from '../datasources/guard/failures.ts';
import { NO_SUBJECT_CALLER } from '../datasources/guard/loader.ts';
import type { RerunInput, RerunSource } from '../datasources/shared/rerunning.ts';
import type { CallOptions } from '../datasources/shared/rateGate.ts';
import type { JobStates } from '../datasources/state/jobStates.ts';
import { offerRead } from '../datasources/state/offerRead.ts';
import { RERUN_LEASE_MS, type RerunLog, type RerunRow } from '../history/reruns.ts';
import type { JobActionCaller, JobActionOutcome } from './caller.ts';
import { codeOf, messageOf } from './judging.ts';

/** One rerun as jobActions.ts asks it: the job, who asks, why. */
export interface RerunAsk {
  id: string;
  key: JobKey;
  field: string;
  /** The job's account alias. */
  account: string;
  /** Its provider's name, as messages say it. */
  label: string;
  reason: string;
  caller: JobActionCaller;
}

/** What became of a rerun: the answer's outcome, words and codes, and the new job as read. */
export interface RerunDone {
  outcome: JobActionOutcome;
  message: string;
  providerCode: string | null;
  requestId: string | null;
  rerun: JobRecord | null;
}

export interface RerunsOptions {
  config: Config;
  sources: Sources;
  /** The history's rerun rows; null when history is off (then only this process's memory). */
  log: RerunLog | null;
  states?: JobStates | undefined;
  now: () => number;
}

/**
 * The rerun's key: a digest of who asks (as the caller rate counts them) and their
 * Idempotency-Key, else the reason they gave (the same caller asking the same job's rerun for the
 * same reason is one rerun: a double click never submits twice). Never the key itself: it is a tag.
 */
function rerunKeyOf(caller: JobActionCaller, reason: string): string {
  const asked = caller.idempotencyKey ? ['key', caller.idempotencyKey] : ['reason', reason];
  return createHash('sha256')
    .update(JSON.stringify([caller.callerKey, ...asked]))
    .digest('hex');
}

/**
 * What a dry run says of a rerun's chances, by the job's provider's failure rules (`Job.failure`):
 * ` (…: likely to pass on a rerun)`, or ` (…: not retryable, likely to fail again)`; '' for a job
 * that did not fail.
 */
export function retryability(record: JobRecord): string {
  const failure = record.state === 'FAILED' ? providerFailure(record) : null;
  if (!failure) return '';
  return failure.retryable
    ? ` (${failure.category}: likely to pass on a rerun)`
    : ` (${failure.category}: not retryable, likely to fail again)`;
}

export class Reruns {
  constructor(private readonly options: RerunsOptions) {}

  /** The global IDs of the job `id` reruns and of its reruns, from the history's rows (none with history off). */
  async links(id: string): Promise<{ of: string | null; made: string[] }> {
    const log = this.options.log;
    if (!log) return { of: null, made: [] };
    const [of, made] = await Promise.all([log.rerunOf(id), log.rerunsOf(id)]);
    return {
      of: of?.sourceId ?? null,
      made: made.flatMap((r) => (r.newJobId ? [r.newJobId] : [])),
    };
  }

  /** Rerun the job `ask` names, whose record (as loaded for judging) is `record`. */
  async run(ask: RerunAsk, record: JobRecord): Promise<RerunDone> {
    const rerun = this.options.sources[ask.key.provider].source.rerunOf!(
      ask.key,
    ) as RerunSource<JobKey>;
    const subject = rerun.subject(ask.key);
    let subjectRecord = record;
    try {
      if (formatGlobalId(subject) !== ask.id)
        subjectRecord = await ask.caller.loadJob(subject, ask.field);
    } catch (err) {
      return failed(`${messageOf(err)} Nothing was rerun.`, err);
    }
    const input: RerunInput<JobKey> = {
      key: subject,
      record: subjectRecord,
      sourceId: formatGlobalId(subject),
      rerunKey: rerunKeyOf(ask.caller, ask.reason),
    };
    try {
      return await this.#claimed(ask, rerun, input);
    } catch (err) {
      return failed(
        `${messageOf(err)} The rerun may not have been made: ask again with the same Idempotency-Key, which finds it if it was.`,
        err,
      );
    }
  }

  /** The rerun under its row: answered from the row or the provider's tags, else submitted. */
  async #claimed(ask: RerunAsk, rerun: RerunSource<JobKey>, input: RerunInput<JobKey>) {
    const log = this.options.log;
    if (!log) return this.#submit(ask, rerun, input, null);
    const at = new Date(this.options.now()).toISOString();
    let claim;
    try {
      claim = await log.claim({
        sourceId: input.sourceId,
        rerunKey: input.rerunKey,
        provider: ask.key.provider,
        account: ask.account,
        subject: ask.caller.subject,
        at,
      });
    } catch {
      return {
        ...failed(
          'The rerun was not made: its record could not be written (the history store did not take it). jobgraph made no call; try again once /readyz says the history is ok.',
          null,
        ),
        providerCode: 'AUDIT_UNAVAILABLE',
      };
    }
    if (claim.mine) return this.#submit(ask, rerun, input, claim.row);
    const row = claim.row;
    if (row.newJobId) return this.#answered(ask, row.newJobId, null);
    // The provider's own token makes a second submit answer the first's job: no look-up, no lease.
    if (!rerun.candidates) return this.#submit(ask, rerun, input, row);
    const found = await this.#find(ask, rerun, input);
    if (found) {
      await log.settle(row, found, at);
      return this.#answered(ask, found, null);
    }
    const age = this.options.now() - Date.parse(row.claimedAt);
    if (age < RERUN_LEASE_MS || !(await log.retake(row, at))) return underWay(row);
    return this.#submit(ask, rerun, input, row);
  }

  /** The provider's call, then the row's result (the tag finds the job should that write fail). */
  async #submit(
    ask: RerunAsk,
    rerun: RerunSource<JobKey>,
    input: RerunInput<JobKey>,
    row: RerunRow | null,
  ): Promise<RerunDone> {
    const submitted = await this.#guarded(ask, (options) => rerun.submit(input, options));
    const newKey = rerun.keyOf(input.key, submitted.jobId);
    const newId = formatGlobalId(newKey);
    if (row)
      await this.options.log
        ?.settle(row, newId, new Date(this.options.now()).toISOString())
        .catch(() => undefined);
    const fresh = await this.#read(ask, newKey);
    return {
      outcome: 'REQUESTED',
      message: `${ask.label} took the rerun: the new job is ${fresh?.state ?? 'submitted'}. ${rerun.said}`,
      providerCode: null,
      requestId: submitted.requestId,
      rerun: fresh,
    };
  }

  /** A rerun made already (its row, or found by its tags): answered, with no call. */
  async #answered(ask: RerunAsk, newId: string, requestId: string | null): Promise<RerunDone> {
    const fresh = await this.#read(ask, parseGlobalId(newId));
    return {
      outcome: 'REQUESTED',
      message: `This rerun was made already (the same request, or its Idempotency-Key): the new job is ${fresh?.state ?? 'known'}. jobgraph submitted nothing again.`,
      providerCode: null,
      requestId,
      rerun: fresh,
    };
  }

  /** The job this rerun made, if the provider has it: its candidates' records, by their tags. */
  async #find(
    ask: RerunAsk,
    rerun: RerunSource<JobKey>,
    input: RerunInput<JobKey>,
  ): Promise<string | null> {
    const candidates = rerun.candidates;
    if (!candidates) return null;
    const ids = await this.#guarded(ask, (options) => candidates(input, options));
    const source = this.options.sources[ask.key.provider].source;
    for (const jobId of ids) {
      const key = rerun.keyOf(input.key, jobId);
      const id = formatGlobalId(key);
      if (id === input.sourceId) continue;
      const record = await source.fetchJob(key as never, this.#options(ask)).catch(() => null);
      if (record && rerun.made(record, input)) return id;
    }
    return null;
  }

  /** The new job read past every cache and offered to the job-state store (watchers see it); null if the read fails. */
  async #read(ask: RerunAsk, key: JobKey): Promise<JobRecord | null> {
    const states = this.options.states;
    const at = states ? states.now() : 0;
    try {
      const record = await this.options.sources[key.provider].source.fetchJob(
        key as never,
        this.#options(ask),
      );
      if (states) offerRead(states, record, at);
      else ask.caller.learn(record);
      return record;
    } catch {
      return null;
    }
  }

  #options(ask: RerunAsk): CallOptions {
    return {
      caller: ask.caller.subject ?? '',
      signal: AbortSignal.timeout(this.options.config.resilience.upstreamBudgetMs),
    };
  }

  /**
   * A call as every read is made: within the caller's fair share of the provider's concurrency
   * cap, under the circuit breaker of the job's account and region, through the pipeline's
   * per-account rate budget.
   */
  async #guarded<T>(ask: RerunAsk, call: (options: CallOptions) => Promise<T>): Promise<T> {
    const { config, sources } = this.options;
    const guarded = sources[ask.key.provider];
    const subject = ask.caller.subject ?? NO_SUBJECT_CALLER;
    const budgetMs = config.resilience.upstreamBudgetMs;
    const deadline = AbortSignal.timeout(budgetMs);
    const act = (signal: AbortSignal) => call({ caller: subject, signal });
    return guarded.limit
      .run(subject, () => guarded.breakers.execute(ask.key, act, deadline, ask.id), deadline)
      .catch((err: unknown) => {
        throw failureOf(err, ask.key.provider, breakerRegion(ask.key), budgetMs, deadline.aborted);
      });
  }
}

function failed(message: string, err: unknown): RerunDone {
  return {
    outcome: 'FAILED',
    message,
    providerCode: err === null ? null : codeOf(err),
    requestId: err instanceof UpstreamError ? err.upstreamRequestId : null,
    rerun: null,
  };
}

function underWay(row: RerunRow): RerunDone {
  return {
    outcome: 'NOT_APPLIED',
    message: `A rerun of this job under the same key is under way (taken on at ${row.claimedAt}) and has no answer yet: nothing was submitted again. Ask again in a minute to see its job.`,
    providerCode: 'RERUN_UNDER_WAY',
    requestId: null,
    rerun: null,
  };
}
