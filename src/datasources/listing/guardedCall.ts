import { failureOf } from '../guard/failures.ts';
import type { GuardedSource } from '../guard/loader.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import type { AnswerMemo } from '../shared/answerMemo.ts';
import type { ListWhere } from '../shared/provider.ts';
import type { Operation, ProviderSource } from '../shared/source.ts';

/** One list page's caller, abort signal and count of upstream calls. */
export interface ListCallContext {
  /** The token's subject: its list calls run in its fair share of each provider's cap. */
  readonly caller: string;
  readonly signal: AbortSignal | undefined;
  /**
   * The page's deadline: every list call of the page ends by then (a source read whole, page
   * after page, waits at most one budget in all, as a job does).
   */
  readonly deadline?: AbortSignal;
  /** Upstream calls made so far for the page (each call once, whatever its attempts). */
  calls: number;
}

/** Whether a source can run other operations than its describe call (every provider's `createSource` source can). */
export function isProviderSource<S extends object>(
  source: S,
): source is S & Pick<ProviderSource<JobProvider, JobRecord>, 'call'> {
  return typeof (source as { call?: unknown }).call === 'function';
}

/**
 * One list call through the provider's protections, as the job loader's calls go: a slot in the
 * provider's fair limiter under the caller, the circuit breaker of the account's region
 * (`breakerRegion`: `global` for Import/Export), its failures counted as the stream's (`subject`) so one failing
 * stream counts once, signed for `where.account`, and the provider's time budget for queueing and attempts together (and the
 * page's deadline); then the pipeline (signing, retries, observation, error funnel). Rejects with
 * the provider's UpstreamError (an open circuit and the budget as UPSTREAM_UNAVAILABLE), or an
 * InternalError. `answer`: the call's last answer, for a call repeated (a watch's list page): an
 * unchanged answer is its last value again, unparsed (shared/answerMemo.ts).
 */
export async function guardedCall<P extends JobProvider, I, O>(
  guarded: GuardedSource<P>,
  operation: Operation<I, O>,
  input: I,
  where: ListWhere,
  ctx: ListCallContext,
  answer?: AnswerMemo,
): Promise<O> {
  const { source, budgetMs } = guarded;
  if (!isProviderSource(source))
    throw new TypeError(`the ${source.provider} source has no call() for ${operation.name}`);
  const budget = AbortSignal.timeout(budgetMs);
  const startedAt = Date.now();
  const signal = AbortSignal.any(
    [ctx.signal, ctx.deadline, budget].filter((s): s is AbortSignal => s !== undefined),
  );
  try {
    return await guarded.limit.run(
      ctx.caller,
      () =>
        guarded.breakers.executeIn(
          where.breakerRegion,
          where.subject,
          (attemptSignal) => {
            ctx.calls += 1;
            return source.call(operation, input, {
              signal: attemptSignal,
              caller: ctx.caller,
              timeLeftMs: budgetMs - (Date.now() - startedAt),
              ...(where.account !== undefined ? { account: where.account } : {}),
              ...(answer ? { answer } : {}),
            });
          },
          signal,
          where.account,
        ),
      signal,
    );
  } catch (err) {
    const cutShort = budget.aborted || ctx.deadline?.aborted === true;
    const failure = failureOf(err, source.provider, where.breakerRegion, budgetMs, cutShort);
    guarded.health?.noteError(failure);
    throw failure;
  }
}
