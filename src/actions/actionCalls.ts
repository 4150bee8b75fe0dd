// One job's action once its guards passed: its answer without a call, audit row, write call and fresh read; out of jobActions.ts (issue 105).
import { randomUUID } from 'node:crypto';
import type { Config, JobActionName } from '../config/types.ts';
import { UpstreamError } from '../errors.ts';
import type { ActionLog } from '../history/actions.ts';
import type { JobKey } from '../model/globalId.ts';
import { accountOfKey } from '../model/keyGrammar.ts';
import type { JobRecord } from '../model/job.ts';
import type { Sources } from '../datasources/index.ts';
import { breakerRegion } from '../datasources/guard/breakers.ts';
import { failureOf } from '../datasources/guard/failures.ts';
import { NO_SUBJECT_CALLER } from '../datasources/guard/loader.ts';
import { providerOf } from '../datasources/registry.ts';
import type { ActionJudgement, ProviderActions } from '../datasources/shared/acting.ts';
import type { JobStates } from '../datasources/state/jobStates.ts';
import { offerRead } from '../datasources/state/offerRead.ts';
import type {
  JobActionCaller,
  JobActionOutcome,
  JobActionRequest,
  JobActionResult,
} from './caller.ts';
import { codeOf, messageOf } from './judging.ts';
import { VALUE, type ActionAudit } from './audit.ts';
import { retryability, type Reruns } from './rerun.ts';

/** One job's action as it goes (`JobActions.#actOnOne`): who asks, what, and its audit row. */
export interface OneAction {
  readonly request: JobActionRequest;
  readonly reason: string;
  readonly id: string;
  readonly key: JobKey;
  readonly caller: JobActionCaller;
  /** The job's account alias. */
  readonly account: string;
  /** Its provider's name, as messages say it. */
  readonly label: string;
  /** The action (a cancel `terminateRunning` turns into a terminate). */
  action: JobActionName;
  /** The ID of the audit row written before the call (`ActionLog.begin`), which the outcome settles. */
  pending?: string;
  /** The settling of that row, which the action's answer waits for. */
  settled: Promise<void>;
}

/** What of JobActionsOptions (jobActions.ts) the calls read. */
interface CallOptions {
  config: Config;
  sources: Sources;
  /** The history store's audit rows; null when history is off. */
  store?: ActionLog | null;
  /** The job-state store, offered the fresh read after an action. */
  states?: JobStates;
}

/** The calls and answers of `JobActions.#actOnOne`, with the gateway's one audit and reruns. */
export class ActionCalls {
  constructor(
    private readonly options: CallOptions,
    private readonly now: () => number,
    private readonly audit: ActionAudit,
    private readonly reruns: Reruns,
  ) {}

  /** The answer of a job its provider's judgement (or a dry run) leaves without a call; null: call. */
  unapplied(a: OneAction, judgement: ActionJudgement, record: JobRecord): JobActionResult | null {
    switch (judgement.kind) {
      case 'finished':
        return this.done(
          a,
          'ALREADY_FINISHED',
          `The job has already finished (${record.state}): nothing to ${a.action}.`,
          record,
        );
      case 'not-applied':
        return this.done(
          a,
          'NOT_APPLIED',
          `${judgement.why} Nothing was done to this job.`,
          record,
        );
      case 'not-supported':
        return this.done(a, 'NOT_SUPPORTED', `${judgement.why} jobgraph made no call.`, record);
      case 'apply':
        if (!a.request.dryRun) return null;
        return this.done(
          a,
          'WOULD_APPLY',
          `Would ${a.action} this ${record.state} job${a.action === 'rerun' ? retryability(record) : ''}: ask again with dryRun: false to do it.`,
          record,
        );
    }
  }

  /**
   * No action without its audit row: written (PENDING) and durable before the call, settled with
   * the outcome after it. A row the history store does not take refuses the action (its answer),
   * with no call; null: written (or history off), call.
   */
  async begin(a: OneAction, record: JobRecord): Promise<JobActionResult | null> {
    const store = this.options.store;
    if (!store) return null;
    const actionId = randomUUID();
    try {
      await store.begin(
        {
          jobId: a.id,
          at: new Date(this.now()).toISOString(),
          action: VALUE[a.action],
          subject: a.caller.subject,
          reason: a.caller.scrub(a.reason),
          outcome: 'PENDING',
          provider: a.key.provider,
          account: a.account,
          requestId: null,
        },
        actionId,
      );
    } catch {
      return this.done(
        a,
        'FAILED',
        `The ${a.action} was not made: its audit record could not be written (the history store did not take it). jobgraph made no call; try again once /readyz says the history is ok.`,
        record,
        'AUDIT_UNAVAILABLE',
      );
    }
    a.pending = actionId;
    return null;
  }

  /**
   * The write call, as every read is made: within the caller's fair share of the provider's
   * concurrency cap, under the circuit breaker of the job's account and region (an open circuit
   * answers UPSTREAM_UNAVAILABLE at once, no call), through the pipeline's per-account rate
   * budget; then the job read again. Its outcome, audited.
   */
  async call(a: OneAction, rules: ProviderActions, loaded: JobRecord): Promise<JobActionResult> {
    const { config, sources } = this.options;
    const { key, caller, id, label, action } = a;
    const guarded = sources[key.provider];
    const source = guarded.source;
    const subject = caller.subject ?? NO_SUBJECT_CALLER;
    if (action === 'rerun') return this.#rerun(a, loaded);
    const deadline = AbortSignal.timeout(config.resilience.upstreamBudgetMs);
    // Scrubbed again: the account's credentials may have been resolved (and registered) since.
    const act = (signal: AbortSignal) =>
      source.act!(action, key as never, caller.scrub(a.reason), { caller: subject, signal });
    try {
      const answer = await guarded.limit
        .run(subject, () => guarded.breakers.execute(key, act, deadline, id), deadline)
        .catch((err: unknown) => {
          // An open circuit, the budget run out: the provider's failure as a read would see it.
          const budgetMs = config.resilience.upstreamBudgetMs;
          throw failureOf(err, key.provider, breakerRegion(key), budgetMs, deadline.aborted);
        });
      const fresh = await this.#readFresh(id, key, loaded, caller);
      const message = `${label} took the ${action} request; the job is now ${fresh.state}.`;
      return this.done(a, 'REQUESTED', message, fresh, null, answer.requestId);
    } catch (err) {
      if (
        err instanceof UpstreamError &&
        err.upstreamCode &&
        rules.doneCodes?.includes(err.upstreamCode)
      ) {
        const fresh = await this.#readFresh(id, key, loaded, caller);
        const message = `${label} answered ${err.upstreamCode}: the job was already ${action}led.`;
        return this.done(
          a,
          'ALREADY_FINISHED',
          message,
          fresh,
          err.upstreamCode,
          err.upstreamRequestId,
        );
      }
      return this.done(
        a,
        'FAILED',
        `${messageOf(err)} The ${action} may not have been made: read the job again before retrying.`,
        loaded,
        codeOf(err),
        err instanceof UpstreamError ? err.upstreamRequestId : null,
      );
    }
  }

  /** A rerun (rerun.ts): its outcome audited and answered, with its new job. */
  async #rerun(a: OneAction, loaded: JobRecord): Promise<JobActionResult> {
    const { id, key, account, label, caller } = a;
    const done = await this.reruns.run(
      { id, key, account, label, caller, field: a.request.field, reason: caller.scrub(a.reason) },
      loaded,
    );
    const result = this.done(
      a,
      done.outcome,
      done.message,
      loaded,
      done.providerCode,
      done.requestId,
    );
    return { ...result, rerun: done.rerun };
  }

  /** `a`'s outcome audited (log line, metric, its row) and answered. */
  done(
    a: OneAction,
    outcome: JobActionOutcome,
    message: string,
    job: JobRecord | null,
    providerCode: string | null = null,
    requestId: string | null = null,
  ): JobActionResult {
    this.audited(a, outcome, providerCode, requestId);
    return { id: a.id, action: VALUE[a.action], outcome, message, providerCode, job };
  }

  /** `a`'s outcome audited: the row written before its call settled, else a row queued. */
  audited(
    a: OneAction,
    outcome: JobActionOutcome,
    providerCode: string | null = null,
    requestId: string | null = null,
  ): void {
    a.settled = this.audit.entry(a.caller, {
      id: a.id,
      provider: a.key.provider,
      account: a.account,
      action: a.action,
      reason: a.reason,
      outcome,
      requestId,
      providerCode,
      dryRun: a.request.dryRun,
      ...(a.pending !== undefined ? { settles: a.pending } : {}),
    });
  }

  /**
   * The job read again after acting, past every cache and the request's loader (which holds the
   * state before the action), then offered to the job-state store (watchers see it end); the
   * state read before, if the read fails.
   */
  async #readFresh(
    id: string,
    key: JobKey,
    before: JobRecord,
    caller: JobActionCaller,
  ): Promise<JobRecord> {
    const { config, sources } = this.options;
    const provider = providerOf(key.provider);
    // When the read was sent, on the job-state store's clock (a read and an event compare on it).
    const states = this.options.states;
    const at = states ? states.now() : 0;
    try {
      const account = accountOfKey(provider.key, key);
      const record = await sources[key.provider].source.fetchJob(key as never, {
        caller: caller.subject ?? '',
        ...(account === undefined ? {} : { account }),
        signal: AbortSignal.timeout(config.resilience.upstreamBudgetMs),
      });
      // The store learns its secrets on the way in; without one, they are learned here.
      if (states) offerRead(states, record, at);
      else caller.learn(record);
      caller.acts.readAfter(id, record);
      return record;
    } catch {
      return before;
    }
  }
}
