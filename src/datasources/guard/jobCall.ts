import { guardedCall } from '../listing/guardedCall.ts';
import type { ListWhere } from '../shared/provider.ts';
import type { Operation } from '../shared/source.ts';
import type { JobKey } from '../../model/keys.ts';
import type { GuardedSource } from './loader.ts';

/**
 * One call of a kind's own read about one job (a HealthOmics run batch's runs, ListRunsInBatch),
 * as a list call goes through the provider's guards (guardedCall: the caller's fair share, the
 * breaker of the job's region, the provider's time budget), signed for the job's account (its
 * key's alias; none: the default account). The caller's grant on that account is checked by the
 * request context first.
 */
export function jobCall<I, O>(
  guarded: GuardedSource,
  key: JobKey,
  operation: Operation<I, O>,
  input: I,
  caller: string,
): Promise<O> {
  const region = 'region' in key ? key.region : 'global';
  const account = 'account' in key ? key.account : undefined;
  const where: ListWhere = {
    breakerRegion: region,
    subject: `${operation.name} ${region}`,
    ...(account !== undefined ? { account } : {}),
  };
  return guardedCall(guarded, operation, input, where, { caller, signal: undefined, calls: 0 });
}
