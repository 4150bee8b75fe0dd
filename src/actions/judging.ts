/** How an action on one job is judged and how its failure is told (jobActions.ts). */
import type { JobActionName } from '../config/types.ts';
import { JobgraphError, UpstreamError } from '../errors.ts';
import type { JobRecord } from '../model/job.ts';
import type { ActionJudgement, ProviderActions } from '../datasources/shared/acting.ts';
import type { JobActionRequest } from './caller.ts';

/** What `request` would do to `record`: its action (cancel turned terminate by `terminateRunning`) and the provider's judgement. */
export function judgeOf(
  rules: ProviderActions,
  request: JobActionRequest,
  record: JobRecord,
): { action: JobActionName; judgement: ActionJudgement } {
  const judgement = rules.judge(request.action, record);
  if (
    request.terminateRunning &&
    request.action === 'cancel' &&
    judgement.kind === 'not-applied' &&
    rules.judge('terminate', record).kind === 'apply'
  )
    return { action: 'terminate', judgement: { kind: 'apply' } };
  return { action: request.action, judgement };
}

/** What a failure says to the caller: jobgraph's own message, never another's text. */
export function messageOf(err: unknown): string {
  return err instanceof JobgraphError ? err.message : 'jobgraph could not complete the call.';
}

/** A failure's code: the provider's error code, else jobgraph's. */
export function codeOf(err: unknown): string | null {
  if (err instanceof UpstreamError) return err.upstreamCode ?? err.code;
  return err instanceof JobgraphError ? err.code : 'INTERNAL_SERVER_ERROR';
}
