import type { GraphQLResolveInfo } from 'graphql';
import type { JobActionRequest, JobActionResult, RequestContext } from '../context.ts';

type Asked = Omit<JobActionRequest, 'field' | 'responseKey'>;

/** One field's request to the request's actions, named by its response key (an alias or its name). */
function act(
  context: RequestContext,
  info: GraphQLResolveInfo,
  asked: Asked,
): Promise<JobActionResult[]> {
  return context.actOnJobs({ ...asked, field: info.fieldName, responseKey: String(info.path.key) });
}

/** A single-job field (`cancelJob`, `terminateJob`): one job, acted on now, its one result. */
function actOnOne(action: Asked['action']) {
  return async (
    _: unknown,
    args: { id: string; reason: string },
    context: RequestContext,
    info: GraphQLResolveInfo,
  ): Promise<JobActionResult> => {
    const [result] = await act(context, info, {
      ids: [args.id],
      action,
      reason: args.reason,
      terminateRunning: false,
      dryRun: false,
    });
    return result!;
  };
}

/** A many-job field (`rerunJobs`, `cancelJobs`): its jobs' results; `terminateRunning` only where the field has it. */
function actOnMany(action: Asked['action']) {
  return (
    _: unknown,
    args: { ids: string[]; reason: string; terminateRunning?: boolean; dryRun: boolean },
    context: RequestContext,
    info: GraphQLResolveInfo,
  ): Promise<JobActionResult[]> =>
    act(context, info, {
      ids: args.ids,
      action,
      reason: args.reason,
      terminateRunning: args.terminateRunning ?? false,
      dryRun: args.dryRun,
    });
}

/** Acting on jobs (docs/actions.md): thin; the guards, calls and audit are the request context's. */
export const Mutation = {
  cancelJob: actOnOne('cancel'),
  terminateJob: actOnOne('terminate'),
  rerunJob: actOnOne('rerun'),
  rerunJobs: actOnMany('rerun'),
  cancelJobs: actOnMany('cancel'),
};
