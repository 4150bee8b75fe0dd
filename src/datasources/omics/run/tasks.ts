import { BadUserInputError } from '../../../errors.ts';
import type { KindCall } from '../../shared/provider.ts';
import type { OmicsRunRecord } from './record.ts';
import {
  OMICS_GET_RUN_TASK,
  OMICS_LIST_RUN_TASKS,
  OMICS_TASK_LIST_MAX,
  TASK_STATUSES,
  type OmicsRunTaskDetail,
  type OmicsRunTaskItem,
} from './taskCalls.ts';

/** A whole number argument from 1 to `max`, else BAD_USER_INPUT naming it. */
function pageArg(args: Readonly<Record<string, unknown>>, name: string, max: number): number {
  const value = args[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max)
    throw new BadUserInputError(`Argument "${name}" must be 1 to ${max}.`, { argument: name });
  return value;
}

/**
 * A listed task, its status in the enum (null for one jobgraph does not know), and the fields
 * only GetRunTask gives as promises of one GetRunTask call, made the first time one is asked.
 */
function taskOf(item: OmicsRunTaskItem, detail: () => Promise<OmicsRunTaskDetail>) {
  let read: Promise<OmicsRunTaskDetail> | undefined;
  const once = () => (read ??= detail());
  return {
    ...item,
    providerStatus: item.status,
    status: (TASK_STATUSES as readonly (string | null)[]).includes(item.status)
      ? item.status
      : null,
    get statusMessage() {
      return once().then((d) => d.statusMessage);
    },
    get failureReason() {
      return once().then((d) => d.failureReason);
    },
    get logStream() {
      return once().then((d) => d.logStream);
    },
  };
}

/**
 * `OmicsRun.tasks(first, after, status)` (`JobKind.fields`): one ListRunTasks page through `call`,
 * under the caller's grant on the run's account; `after` is the previous page's `endCursor` (the
 * service's own page token, handed back as it was given). A task's statusMessage, failureReason
 * and logStream are GetRunTask's: one call per task whose fields ask for them.
 */
export async function tasksOfRun(
  run: OmicsRunRecord,
  args: Readonly<Record<string, unknown>>,
  call: KindCall,
) {
  const first = pageArg(args, 'first', OMICS_TASK_LIST_MAX);
  const status = typeof args.status === 'string' ? args.status : null;
  const after = typeof args.after === 'string' ? args.after : null;
  const where = { region: run.region, runId: run.nativeId };
  const page = await call(OMICS_LIST_RUN_TASKS, {
    ...where,
    status,
    maxResults: first,
    nextToken: after,
  });
  const items = page.items.map((item) =>
    taskOf(item, () =>
      item.taskId === null
        ? Promise.resolve({ statusMessage: null, failureReason: null, logStream: null })
        : call(OMICS_GET_RUN_TASK, { ...where, taskId: item.taskId }),
    ),
  );
  return { items, endCursor: page.nextToken, hasNextPage: page.nextToken !== null };
}
