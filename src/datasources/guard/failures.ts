import { BrokenCircuitError } from 'cockatiel';
import { BadUserInputError, InternalError, UpstreamError } from '../../errors.ts';
import type { JobProvider } from '../../model/job.ts';
import { PROVIDER_LABEL } from '../shared/classify.ts';

/** The failure a waiter gets when the provider did not answer within its budget. */
export function budgetError(
  provider: JobProvider,
  budgetMs: number,
  cause?: unknown,
): UpstreamError {
  return new UpstreamError({
    provider,
    code: 'UPSTREAM_UNAVAILABLE',
    message: `${PROVIDER_LABEL[provider]} did not answer within ${budgetMs} ms.`,
    retryable: false,
    ...(cause === undefined ? {} : { cause }),
  });
}

/** What a failed guarded call is answered with: the provider's error (or the caller's unknown account alias) as is, an open circuit or the budget as UPSTREAM_UNAVAILABLE, anything else as jobgraph's own failure. */
export function failureOf(
  err: unknown,
  provider: JobProvider,
  region: string,
  budgetMs: number,
  cutShort: boolean,
): Error {
  // An unknown account alias is the caller's mistake, found before any call.
  if (err instanceof InternalError || err instanceof BadUserInputError) return err;
  // A transport failure caused by the budget's own abort is answered as the budget, below.
  const cutByBudget =
    cutShort &&
    err instanceof UpstreamError &&
    err.code === 'UPSTREAM_UNAVAILABLE' &&
    err.httpStatus === null;
  if (err instanceof UpstreamError && !cutByBudget) return err;
  if (err instanceof BrokenCircuitError) {
    const where = region === 'global' ? '' : ` in ${region}`;
    return new UpstreamError({
      provider,
      code: 'UPSTREAM_UNAVAILABLE',
      message: `${PROVIDER_LABEL[provider]} is failing${where}; jobgraph stopped calling it there for a while.`,
      retryable: false,
      cause: err,
    });
  }
  if (cutShort) return budgetError(provider, budgetMs, err);
  // Anything else is jobgraph's own failure, never the provider's: INTERNAL_SERVER_ERROR (formatError
  // masks it with a correlation id), not retried, and not counted — the breaker counts only UPSTREAM_UNAVAILABLE.
  return new InternalError(provider, err);
}
