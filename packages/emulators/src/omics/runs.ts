import type { EmulatorRequest, EmulatorResponse } from '../framework.ts';
import { OMICS_DEMO_REGION } from './data.ts';

/**
 * HealthOmics workflow runs as the emulator answers them (`workflows-` host prefix, REST-JSON):
 * GetRun, ListRuns (filters name, runGroupId, batchId, status; paged by `startingToken`), ListRunTasks,
 * GetRunTask and CancelRun (StartRun: runStart.ts). Demo data: a running, a failed (FILE_SYSTEM_OUT_OF_SPACE, from the
 * published run-errors table) and a completed run, each with tasks (the run batch's own runs are
 * runBatchData.ts's, answered here too, each with its `batchId`).
 */
export interface WireOmicsRunTask {
  taskId: string;
  name: string;
  status: string;
  cpus: number;
  memory: number;
  gpus: number;
  instanceType: string;
  creationTime: string;
  startTime?: string;
  stopTime?: string;
  statusMessage?: string;
  failureReason?: string;
  logStream: string;
}

export interface WireOmicsRun {
  arn: string;
  id: string;
  uuid: string;
  status: string;
  statusMessage?: string;
  failureReason?: string;
  workflowId: string;
  workflowType: string;
  workflowVersionName: string;
  workflowUuid: string;
  runGroupId: string;
  /** The run batch it was started in (runBatches.ts), absent for a run started alone. */
  batchId?: string;
  /** GetRun's `runId`: the run this one was started from by StartRun's `runId` (a rerun), else absent. */
  runId?: string;
  roleArn: string;
  name: string;
  priority: number;
  parameters: Record<string, unknown>;
  storageType: string;
  storageCapacity: number;
  outputUri: string;
  runOutputUri: string;
  logLevel: string;
  logLocation: { engineLogStream: string; runLogStream: string };
  creationTime: string;
  startTime?: string;
  stopTime?: string;
  startedBy: string;
  tags: Record<string, string>;
  accelerators?: string;
  retentionMode: string;
  tasks: WireOmicsRunTask[];
}

/** The account and region of the demo runs. */
const ACCOUNT = '123456789012';
const REGION = OMICS_DEMO_REGION;
/** The run group every demo run belongs to. */
export const OMICS_DEMO_RUN_GROUP_ID = '5914207';

/** A demo run's task: 4 vCPUs, 16 GiB, its log stream `run/<runId>/task/<taskId>`. */
export function demoTask(
  runId: string,
  taskId: string,
  name: string,
  status: string,
  times: { creationTime: string; startTime?: string; stopTime?: string },
  failure?: { failureReason: string; statusMessage: string },
): WireOmicsRunTask {
  return {
    taskId,
    name,
    status,
    cpus: 4,
    memory: 16,
    gpus: 0,
    instanceType: 'omics.c.xlarge',
    ...times,
    ...(failure ?? {}),
    logStream: `run/${runId}/task/${taskId}`,
  };
}

/** A demo run of the demo workflow in the demo run group (the same account and region). */
export function demoRun(
  id: string,
  uuid: string,
  name: string,
  status: string,
  times: { creationTime: string; startTime?: string; stopTime?: string },
  tasks: WireOmicsRunTask[],
  failure?: { failureReason: string; statusMessage: string },
): WireOmicsRun {
  return {
    arn: `arn:aws:omics:${REGION}:${ACCOUNT}:run/${id}`,
    id,
    uuid,
    status,
    ...(failure ?? {}),
    workflowId: '1830181',
    workflowType: 'PRIVATE',
    workflowVersionName: 'v2',
    workflowUuid: '8b0d7c1e-3f5a-4e2b-9c6d-1a2b3c4d5e6f',
    runGroupId: OMICS_DEMO_RUN_GROUP_ID,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/OmicsWorkflowRole`,
    name,
    priority: 10,
    parameters: { sample: `s3://demo-genomes/${name}.bam` },
    storageType: 'DYNAMIC',
    storageCapacity: 1200,
    outputUri: 's3://demo-omics-output/runs/',
    runOutputUri: `s3://demo-omics-output/runs/${id}`,
    logLevel: 'ALL',
    logLocation: { engineLogStream: `run/${id}/engine`, runLogStream: `run/${id}` },
    ...times,
    startedBy: `arn:aws:iam::${ACCOUNT}:user/genomics`,
    tags: { project: 'demo' },
    retentionMode: 'RETAIN',
    tasks,
  };
}

/** The demo runs, oldest first: completed, failed, running. */
export const OMICS_DEMO_RUNS: readonly WireOmicsRun[] = [
  demoRun(
    '4861052',
    'a3b1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    'wgs-sample-001',
    'COMPLETED',
    {
      creationTime: '2026-11-20T08:00:00.000Z',
      startTime: '2026-11-20T08:04:00.000Z',
      stopTime: '2026-11-20T09:30:00.000Z',
    },
    [
      demoTask('4861052', '1100001', 'align', 'COMPLETED', {
        creationTime: '2026-11-20T08:05:00.000Z',
        startTime: '2026-11-20T08:06:00.000Z',
        stopTime: '2026-11-20T09:00:00.000Z',
      }),
      demoTask('4861052', '1100002', 'call-variants', 'COMPLETED', {
        creationTime: '2026-11-20T09:00:00.000Z',
        startTime: '2026-11-20T09:01:00.000Z',
        stopTime: '2026-11-20T09:29:00.000Z',
      }),
    ],
  ),
  demoRun(
    '4861053',
    'b4c2d3e5-6f7a-4b8c-9d0e-1f2a3b4c5d6e',
    'wgs-sample-002',
    'FAILED',
    {
      creationTime: '2026-11-21T08:00:00.000Z',
      startTime: '2026-11-21T08:03:00.000Z',
      stopTime: '2026-11-21T08:52:00.000Z',
    },
    [
      demoTask('4861053', '1100003', 'align', 'COMPLETED', {
        creationTime: '2026-11-21T08:04:00.000Z',
        startTime: '2026-11-21T08:05:00.000Z',
        stopTime: '2026-11-21T08:40:00.000Z',
      }),
      demoTask(
        '4861053',
        '1100004',
        'call-variants',
        'FAILED',
        {
          creationTime: '2026-11-21T08:40:00.000Z',
          startTime: '2026-11-21T08:41:00.000Z',
          stopTime: '2026-11-21T08:51:00.000Z',
        },
        {
          failureReason: 'FILE_SYSTEM_OUT_OF_SPACE',
          statusMessage: 'The run storage is full.',
        },
      ),
    ],
    {
      failureReason: 'FILE_SYSTEM_OUT_OF_SPACE',
      statusMessage:
        'The run storage is full. Increase the storageCapacity or use DYNAMIC run storage.',
    },
  ),
  demoRun(
    '4861054',
    'c5d3e4f6-7a8b-4c9d-8e0f-2a3b4c5d6e7f',
    'wgs-sample-003',
    'RUNNING',
    { creationTime: '2026-11-22T08:00:00.000Z', startTime: '2026-11-22T08:02:00.000Z' },
    [
      demoTask('4861054', '1100005', 'align', 'RUNNING', {
        creationTime: '2026-11-22T08:03:00.000Z',
        startTime: '2026-11-22T08:04:00.000Z',
      }),
    ],
  ),
];

export type RunAnswers = {
  ok: (body: unknown, status?: number) => EmulatorResponse;
  error: (status: number, code: string, message: string) => EmulatorResponse;
  /** The emulator's clock (CancelRun's stopTime). */
  now: () => number;
  /** Told of a run whose status changed (its `Run Status Change` event). */
  changed: (run: WireOmicsRun) => void;
  /** Told of a run's task whose status changed (its `Task Status Change` event). */
  taskChanged: (run: WireOmicsRun, task: WireOmicsRunTask) => void;
};

const LIST_MAX = 100;
/** The run statuses CancelRun stops; any other is finished and refused. */
const OMICS_CANCELLABLE_RUN_STATUSES = ['PENDING', 'STARTING', 'RUNNING'];

/**
 * Cancels a run that has not finished: it and each of its unfinished tasks become CANCELLED at
 * `now`, each told (`taskChanged` for the tasks first, then `changed` for the run). False for a
 * run already finished (nothing changes).
 */
export function cancelRun(
  run: WireOmicsRun,
  { now, changed, taskChanged }: Pick<RunAnswers, 'now' | 'changed' | 'taskChanged'>,
): boolean {
  if (!OMICS_CANCELLABLE_RUN_STATUSES.includes(run.status)) return false;
  const stopTime = new Date(now()).toISOString();
  for (const t of run.tasks) {
    if (!OMICS_CANCELLABLE_RUN_STATUSES.includes(t.status)) continue;
    t.status = 'CANCELLED';
    t.stopTime = stopTime;
    taskChanged(run, t);
  }
  run.status = 'CANCELLED';
  run.stopTime = stopTime;
  changed(run);
  return true;
}

/** The runs' routes; null for a request that is not one of them. `runs` is the account's own copy. */
export function omicsRunRoute(
  req: EmulatorRequest,
  runs: WireOmicsRun[],
  answers: RunAnswers,
): EmulatorResponse | null {
  const { ok, error } = answers;
  const parts = req.path.split('/').slice(1).map(decodeURIComponent);
  if (parts[0] !== 'run') return null;
  const notFound = () =>
    error(404, 'ResourceNotFoundException', 'The specified run was not found.');
  if (req.method === 'GET' && parts.length === 1) {
    const q = req.query;
    const matching = runs.filter(
      (r) =>
        (!q.get('name') || r.name.startsWith(q.get('name') ?? '')) &&
        (!q.get('runGroupId') || r.runGroupId === q.get('runGroupId')) &&
        (!q.get('batchId') || r.batchId === q.get('batchId')) &&
        (!q.get('status') || r.status === q.get('status')),
    );
    // Newest first, as the console lists runs.
    const page = omicsPageOf([...matching].reverse(), req, error);
    if ('status' in page) return page;
    return ok({ items: page.items.map(runItem), ...(page.next ? { nextToken: page.next } : {}) });
  }
  const found = runs.find((r) => r.id === parts[1]);
  if (req.method === 'POST' && parts.length === 3 && parts[2] === 'cancel') {
    if (!found) return notFound();
    if (!cancelRun(found, answers))
      return error(
        409,
        'ConflictException',
        `Run ${found.id} is ${found.status} and cannot be cancelled.`,
      );
    return { ...ok({}), status: 202 };
  }
  if (req.method !== 'GET' || !found) return parts.length <= 4 ? notFound() : null;
  if (parts.length === 2) {
    const { tasks: _tasks, ...wire } = found;
    return ok(wire);
  }
  if (parts[2] !== 'task') return null;
  if (parts.length === 3) {
    const status = req.query.get('status');
    const page = omicsPageOf(
      found.tasks.filter((t) => !status || t.status === status),
      req,
      error,
    );
    if ('status' in page) return page;
    return ok({ items: page.items.map(taskItem), ...(page.next ? { nextToken: page.next } : {}) });
  }
  const t = found.tasks.find((x) => x.taskId === parts[3]);
  if (!t) return error(404, 'ResourceNotFoundException', 'The specified task was not found.');
  return ok(t);
}

function runItem(r: WireOmicsRun): Record<string, unknown> {
  const keys = [
    'arn',
    'id',
    'status',
    'workflowId',
    'batchId',
    'name',
    'priority',
    'storageCapacity',
    'creationTime',
    'startTime',
    'stopTime',
    'storageType',
    'workflowVersionName',
  ] as const;
  return Object.fromEntries(keys.filter((k) => r[k] !== undefined).map((k) => [k, r[k]]));
}

function taskItem(t: WireOmicsRunTask): Record<string, unknown> {
  const { statusMessage: _m, failureReason: _f, logStream: _l, ...item } = t;
  return item;
}

/**
 * One page by `startingToken` (an offset here; opaque to clients) and the page size `sizeParam`
 * (ListRuns' and ListRunTasks' `maxResults`, the run batches' `maxItems`; 1..100).
 */
export function omicsPageOf<T>(
  items: T[],
  req: EmulatorRequest,
  error: RunAnswers['error'],
  sizeParam = 'maxResults',
): { items: T[]; next: string | null } | EmulatorResponse {
  const size = Number(req.query.get(sizeParam) ?? LIST_MAX);
  if (!Number.isInteger(size) || size < 1 || size > LIST_MAX)
    return error(400, 'ValidationException', `${sizeParam} must be between 1 and ${LIST_MAX}.`);
  const token = req.query.get('startingToken');
  const start = token ? Number(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(start) || start < 0)
    return error(400, 'ValidationException', 'The startingToken is not valid.');
  const end = start + size;
  return {
    items: items.slice(start, end),
    next: end < items.length ? Buffer.from(String(end)).toString('base64url') : null,
  };
}
