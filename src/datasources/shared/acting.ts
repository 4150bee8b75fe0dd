import type { JobActionName } from '../../config/types.ts';
import { InternalError } from '../../errors.ts';
import { accountOfKey, type KeyGrammar } from '../../model/keyGrammar.ts';
import type { JobKey } from '../../model/keys.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import type { CallOptions } from './rateGate.ts';

/** What an acting operation is given: the job, and the reason the caller gave (kept by the provider where it takes one). */
export interface ActionInput<K> {
  key: K;
  reason: string;
}

/** What an operation that acts on a job answers: the provider's request ID, to audit and return. */
export interface ActedAnswer {
  requestId: string | null;
}

/**
 * A source's `act` (JobSource.act): the action's operation (`Op`, the wire's for the key's kind,
 * opaque here) through the one pipeline's `call`, signed for the key's account.
 */
export function actOf<Op>(
  provider: JobProvider,
  grammar: KeyGrammar | undefined,
  actionsOf: (key: JobKey) => Partial<Record<JobActionName, Op>> | undefined,
  call: (operation: Op, input: ActionInput<JobKey>, options: CallOptions) => Promise<ActedAnswer>,
): (
  action: JobActionName,
  key: JobKey,
  reason: string,
  options?: CallOptions,
) => Promise<ActedAnswer> {
  return (action, key, reason, options = {}) => {
    const operation = actionsOf(key)?.[action];
    if (!operation)
      return Promise.reject(
        new InternalError(provider, new Error(`${provider} has no ${action} operation`)),
      );
    const account = grammar ? accountOfKey(grammar, key) : undefined;
    return call(
      operation,
      { key, reason },
      account === undefined ? options : { ...options, account },
    );
  };
}

/**
 * What an action would do to a job as its record stands (`ProviderActions.judge`): `apply`, the
 * call is made; `finished`, the job is over (nothing to do); `not-applied`, the provider would
 * not act on it in this state, `why` in words a user can act on; `not-supported`, the provider
 * has no such action.
 */
export type ActionJudgement =
  { kind: 'apply' } | { kind: 'finished' } | { kind: 'not-applied' | 'not-supported'; why: string };

/** How long a reason the provider keeps may be: in characters (AWS Batch) or UTF-8 bytes (COS Batch). */
export interface ReasonBound {
  max: number;
  unit: 'characters' | 'bytes';
}

/**
 * What a provider does with the actions on jobs (`Provider.actions`; absent: none, every action
 * NOT_SUPPORTED without a call). Its wire holds the operations (`ProviderWire.actions`).
 */
export interface ProviderActions {
  /** The reason's bound on its wire; null when it takes none (the audit keeps it all the same). */
  readonly reason: ReasonBound | null;
  /** What `action` would do to the job `record` is now. */
  judge(action: JobActionName, record: JobRecord): ActionJudgement;
  /**
   * Provider error codes that mean the action was already done (Import/Export's
   * CanceledJobIdException the second time): ALREADY_FINISHED, not FAILED.
   */
  readonly doneCodes?: readonly string[];
}

/** `reason`'s length in `bound`'s unit. */
export function reasonLength(reason: string, bound: ReasonBound): number {
  return bound.unit === 'bytes' ? Buffer.byteLength(reason, 'utf8') : [...reason].length;
}
