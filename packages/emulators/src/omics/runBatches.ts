import type { EmulatorRequest, EmulatorResponse } from '../framework.ts';
import type { WireOmicsRunBatch } from './runBatchData.ts';
import { cancelRun, omicsPageOf, type RunAnswers, type WireOmicsRun } from './runs.ts';

/**
 * HealthOmics run batches as the emulator answers them (`workflows-` host prefix, REST-JSON, the
 * paths of @aws-sdk/client-omics' serializers):
 * - GetBatch, `GET /runBatch/{batchId}`: the batch with its `runSummary` counted from its runs'
 *   states at the time of asking.
 * - ListRunsInBatch, `GET /runBatch/{batchId}/run?maxItems=&startingToken=&submissionStatus=&runSettingId=&runId=`:
 *   `{"runs": [{runSettingId, runId, runInternalUuid, runArn, submissionStatus,
 *   submissionFailureReason, submissionFailureMessage}], "nextToken"}`, in submission order.
 * - ListBatch, `GET /runBatch?maxItems=&startingToken=&status=&name=&runGroupId=`: `{"items":
 *   [{id, name, status, createdAt, totalRuns, workflowId}], "nextToken"}`, newest first.
 * - CancelRunBatch, `POST /runBatch/cancel` with `{"batchId"}`: 202 `{}`; each of the batch's runs
 *   still PENDING, STARTING or RUNNING is cancelled as CancelRun does (its tasks' and its own
 *   status change events), counted in `submissionSummary.successfulCancelSubmissionCount`, its
 *   run setting then CANCEL_SUCCESS; the batch becomes CANCELLED. A batch not PENDING,
 *   SUBMITTING or INPROGRESS is 409 ConflictException (the service documents the rule; the
 *   message's wording is unverified). An unknown batch is 404 ResourceNotFoundException.
 * `maxItems` is 1..100 (default 100); page tokens are offsets, opaque to clients.
 */
export function omicsRunBatchRoute(
  req: EmulatorRequest,
  batches: WireOmicsRunBatch[],
  runs: WireOmicsRun[],
  answers: RunAnswers,
): EmulatorResponse | null {
  const { ok, error } = answers;
  const parts = req.path.split('/').slice(1).map(decodeURIComponent);
  if (parts[0] !== 'runBatch') return null;
  if (req.method === 'POST' && parts.length === 2 && parts[1] === 'cancel')
    return cancelRunBatch(req, batches, runs, answers);
  if (req.method !== 'GET') return null;
  if (parts.length === 1) return listBatch(req, batches, answers);
  const batch = batches.find((b) => b.id === parts[1]);
  if (parts.length > 3 || (parts.length === 3 && parts[2] !== 'run')) return null;
  if (!batch) return error(404, 'ResourceNotFoundException', 'The specified batch was not found.');
  const batchRuns = runs.filter((r) => r.batchId === batch.id);
  if (parts.length === 2) return ok(getBatch(batch, batchRuns));
  return listRunsInBatch(req, batch, batchRuns, answers);
}

/** The run states RunSummary counts, each with its count's name. */
const RUN_SUMMARY_COUNTS: readonly [string, string][] = [
  ['PENDING', 'pendingRunCount'],
  ['STARTING', 'startingRunCount'],
  ['RUNNING', 'runningRunCount'],
  ['STOPPING', 'stoppingRunCount'],
  ['COMPLETED', 'completedRunCount'],
  ['DELETED', 'deletedRunCount'],
  ['FAILED', 'failedRunCount'],
  ['CANCELLED', 'cancelledRunCount'],
];
/** The batch states CancelRunBatch accepts (the API reference's rule). */
const CANCELLABLE_BATCH_STATUSES = ['PENDING', 'SUBMITTING', 'INPROGRESS'];

function getBatch(batch: WireOmicsRunBatch, batchRuns: WireOmicsRun[]): Record<string, unknown> {
  const { runSettings: _settings, ...wire } = batch;
  const runSummary = Object.fromEntries(
    RUN_SUMMARY_COUNTS.map(([status, name]) => [
      name,
      batchRuns.filter((r) => r.status === status).length,
    ]),
  );
  return { ...wire, runSummary };
}

function listRunsInBatch(
  req: EmulatorRequest,
  batch: WireOmicsRunBatch,
  batchRuns: WireOmicsRun[],
  { ok, error }: RunAnswers,
): EmulatorResponse {
  const q = req.query;
  const matching = batch.runSettings.filter(
    (s) =>
      (!q.get('submissionStatus') || s.submissionStatus === q.get('submissionStatus')) &&
      (!q.get('runSettingId') || s.runSettingId === q.get('runSettingId')) &&
      (!q.get('runId') || s.runId === q.get('runId')),
  );
  const page = omicsPageOf(matching, req, error, 'maxItems');
  if ('status' in page) return page;
  const items = page.items.map((s) => {
    const run = batchRuns.find((r) => r.id === s.runId);
    return { ...s, ...(run ? { runInternalUuid: run.uuid, runArn: run.arn } : {}) };
  });
  return ok({ runs: items, ...(page.next ? { nextToken: page.next } : {}) });
}

function listBatch(
  req: EmulatorRequest,
  batches: WireOmicsRunBatch[],
  { ok, error }: RunAnswers,
): EmulatorResponse {
  const q = req.query;
  const matching = batches.filter(
    (b) =>
      (!q.get('status') || b.status === q.get('status')) &&
      (!q.get('name') || b.name === q.get('name')) &&
      (!q.get('runGroupId') || b.defaultRunSetting.runGroupId === q.get('runGroupId')),
  );
  // Newest first, as ListRuns lists here.
  const page = omicsPageOf([...matching].reverse(), req, error, 'maxItems');
  if ('status' in page) return page;
  const items = page.items.map((b) => ({
    id: b.id,
    name: b.name,
    status: b.status,
    createdAt: b.creationTime,
    totalRuns: b.totalRuns,
    workflowId: b.defaultRunSetting.workflowId,
  }));
  return ok({ items, ...(page.next ? { nextToken: page.next } : {}) });
}

function cancelRunBatch(
  req: EmulatorRequest,
  batches: WireOmicsRunBatch[],
  runs: WireOmicsRun[],
  answers: RunAnswers,
): EmulatorResponse {
  const { ok, error } = answers;
  let batchId: unknown;
  try {
    batchId = (JSON.parse(req.body || '{}') as { batchId?: unknown }).batchId;
  } catch {
    return error(400, 'SerializationException', 'Could not parse the request body as JSON.');
  }
  if (typeof batchId !== 'string' || batchId === '')
    return error(400, 'ValidationException', 'batchId is required.');
  const batch = batches.find((b) => b.id === batchId);
  if (!batch) return error(404, 'ResourceNotFoundException', 'The specified batch was not found.');
  if (!CANCELLABLE_BATCH_STATUSES.includes(batch.status))
    return error(
      409,
      'ConflictException',
      `Batch ${batch.id} is ${batch.status}. Cancel is only allowed on batches in PENDING, SUBMITTING, or INPROGRESS state.`,
    );
  for (const setting of batch.runSettings) {
    const run = runs.find((r) => r.id === setting.runId && r.batchId === batch.id);
    if (!run || !cancelRun(run, answers)) continue;
    setting.submissionStatus = 'CANCEL_SUCCESS';
    batch.submissionSummary.successfulCancelSubmissionCount =
      (batch.submissionSummary.successfulCancelSubmissionCount ?? 0) + 1;
  }
  batch.status = 'CANCELLED';
  return { ...ok({}), status: 202 };
}
