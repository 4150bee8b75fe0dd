/**
 * The audit of actions on jobs (docs/actions.md, "The audit"): each action and refusal is a log
 * line, the metric `jobgraph_job_actions_total`, and a history row — queued, or, for an action
 * that called its provider, the row written before the call (ActionLog.begin) settled with its
 * outcome.
 */
import type { JobActionName } from '../config/types.ts';
import type { ActionLog } from '../history/actions.ts';
import type { JobActionCaller, JobActionOutcome, JobActionValue } from './caller.ts';

/** The audit's log line writer (the gateway's logger). */
export interface ActionLogger {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Told of each action and refusal (`jobgraph_job_actions_total`). */
export interface ActionCounter {
  jobAction(provider: string, action: JobActionValue, outcome: JobActionOutcome): void;
}

/** The GraphQL name of each action. */
export const VALUE: Record<JobActionName, JobActionValue> = {
  cancel: 'CANCEL',
  terminate: 'TERMINATE',
};

export class ActionAudit {
  constructor(
    private readonly parts: {
      logger?: ActionLogger | undefined;
      metrics?: ActionCounter | undefined;
      store?: ActionLog | null | undefined;
    },
    private readonly now: () => number,
  ) {}

  /** One action or refusal: a log line, the metric, a history row (queued). Never a token: the subject only. */
  entry(
    caller: JobActionCaller,
    a: {
      id: string;
      provider: string;
      account: string;
      action: JobActionName;
      reason: string;
      outcome: JobActionOutcome;
      requestId: string | null;
      providerCode: string | null;
      /** A dry run's answer: nothing was done, so no history row unless it is a refusal. */
      dryRun?: boolean;
      /** The ID of the row written before the call (ActionLog.begin), given this outcome. */
      settles?: string;
    },
  ): Promise<void> {
    const { logger, metrics, store } = this.parts;
    const subject = caller.subject;
    // A reason is the caller's free text: a pasted key or token in it stays out of the log and history.
    const reason = caller.scrub(a.reason);
    logger?.info(
      {
        audit: 'job-action',
        requestId: caller.requestId,
        subject,
        action: VALUE[a.action],
        job: a.id,
        provider: a.provider,
        account: a.account,
        reason,
        outcome: a.outcome,
        ...(a.providerCode ? { code: a.providerCode } : {}),
        providerRequestId: a.requestId,
      },
      `job action ${VALUE[a.action]} ${a.outcome}`,
    );
    metrics?.jobAction(a.provider, VALUE[a.action], a.outcome);
    if (a.settles !== undefined && store)
      return store.settle(a.settles, a.outcome, a.requestId).catch((e: unknown) =>
        logger?.error(
          {
            audit: 'job-action',
            requestId: caller.requestId,
            job: a.id,
            outcome: a.outcome,
            code: (e as { code?: unknown }).code ?? 'write failed',
          },
          'the outcome of an action could not be written to its audit row: the row stays PENDING',
        ),
      );
    // A dry run changed nothing: its answers are in the log and metric only, its refusals kept.
    if (a.outcome === 'WOULD_APPLY' || (a.dryRun === true && a.outcome !== 'REFUSED'))
      return Promise.resolve();
    store?.record({
      jobId: a.id,
      at: new Date(this.now()).toISOString(),
      action: VALUE[a.action],
      subject,
      reason,
      outcome: a.outcome,
      provider: a.provider,
      account: a.account,
      requestId: a.requestId,
    });
    return Promise.resolve();
  }
}
