/**
 * The audit of actions on jobs (docs/actions.md, "The audit"). An action that called its provider
 * is a log line, the metric `jobgraph_job_actions_total`, and the row written before the call
 * (ActionLog.begin) settled with its outcome. An answer that made no call (a refusal,
 * ALREADY_FINISHED, NOT_APPLIED…) changed nothing: each is counted by the metric, but the same
 * subject's same answer on the same job within a window (COALESCE_WINDOW_MS) is one history row
 * counting them (ActionLog.record) and one log line, its first, in this process.
 */
import { createHash } from 'node:crypto';
import type { JobActionName } from '../config/types.ts';
import { windowOf, type ActionLog } from '../history/actions.ts';
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
  rerun: 'RERUN',
};

/** One action's answer, or one refusal, as `ActionAudit.entry` is told it. */
export interface AuditedAnswer {
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
}

/**
 * Most answers that made no call whose first log line this process remembers in a window; beyond,
 * each is logged (a log line too many, never an answer unaudited).
 */
const LOGGED_MAX = 10_000;

export class ActionAudit {
  /** The window whose answers `#logged` holds (ms since the epoch). */
  #window = 0;
  /** The answers that made no call logged in `#window`: subject, job, action, outcome, dry run. */
  readonly #logged = new Set<string>();

  constructor(
    private readonly parts: {
      logger?: ActionLogger | undefined;
      metrics?: ActionCounter | undefined;
      store?: ActionLog | null | undefined;
    },
    private readonly now: () => number,
  ) {}

  /**
   * One action or refusal: the metric, and its log line and history row (an answer that made no
   * call: the line when its window's first here, the row coalesced). Never a token: the subject only.
   */
  entry(caller: JobActionCaller, a: AuditedAnswer): Promise<void> {
    const { logger, metrics, store } = this.parts;
    // A reason is the caller's free text: a pasted key or token in it stays out of the log and history.
    const reason = caller.scrub(a.reason);
    const at = this.now();
    if (a.settles !== undefined || this.#firstInWindow(caller.subject, a, at))
      this.#log(caller, a, reason);
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
      at: new Date(at).toISOString(),
      action: VALUE[a.action],
      subject: caller.subject,
      reason,
      outcome: a.outcome,
      provider: a.provider,
      account: a.account,
      requestId: a.requestId,
    });
    return Promise.resolve();
  }

  /** The audit's log line of `a`. */
  #log(caller: JobActionCaller, a: AuditedAnswer, reason: string): void {
    this.parts.logger?.info(
      {
        audit: 'job-action',
        requestId: caller.requestId,
        subject: caller.subject,
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
  }

  /**
   * Whether `a`, an answer that made no call, is the first of its subject, job, action, outcome
   * (and dry run or not) that this process logs in the window of `at`; past LOGGED_MAX
   * remembered in a window, every one is.
   */
  #firstInWindow(subject: string | null, a: AuditedAnswer, at: number): boolean {
    const window = windowOf(at);
    if (window !== this.#window) {
      this.#window = window;
      this.#logged.clear();
    }
    // A digest: the memory a key holds is bounded, whatever the caller's ID text.
    const key = createHash('sha256')
      .update(JSON.stringify([subject, a.id, a.action, a.outcome, a.dryRun === true]))
      .digest('base64');
    if (this.#logged.has(key)) return false;
    if (this.#logged.size < LOGGED_MAX) this.#logged.add(key);
    return true;
  }
}
