/**
 * HealthOmics workflow runs' rerun (docs/actions.md, "Rerun"): StartRun duplicating the run by
 * its `runId` — HealthOmics' own rerun, which copies what it is not given from the run, its
 * parameters too — with what GetRun described of it (workflow, version, role, output URI, name,
 * run group, priority, storage, log level, retention), and the rerun's key as StartRun's
 * `requestId`, HealthOmics' idempotency token: asked again with it, HealthOmics answers the run it
 * started, so a submit repeated after a lost answer starts nothing. The run's parameters (which
 * may hold secrets) are never read, kept or sent by jobgraph: the service copies them.
 */
import type { JobKey, KindKeyOf } from '../../../model/keys.ts';
import { MalformedBodyError } from '../../../errors.ts';
import { awsJsonOutput } from '../../shared/awsCall.ts';
import { awsRequestId } from '../../shared/awsErrors.ts';
import { response, str } from '../../shared/json.ts';
import type { RerunInput, RerunSubmitted } from '../../shared/rerunning.ts';
import type { KindWire, Operation } from '../../shared/wire.ts';
import { readOmicsError } from '../errors.ts';
import { workflowsPost } from '../workflows.ts';
import { runSubject } from './parse.ts';
import type { OmicsRunRecord } from './record.ts';

type RunKey = KindKeyOf<'AWS_OMICS', 'run'>;
type Wire = Record<string, unknown>;

/** GetRun's fields StartRun takes under the same names, sent as described (null ones left out). */
const CARRIED = [
  'workflowId',
  'workflowType',
  'workflowVersionName',
  'roleArn',
  'name',
  'runGroupId',
  'priority',
  'storageType',
  'outputUri',
  'logLevel',
  'retentionMode',
] as const;

/**
 * Why jobgraph cannot rerun `r` (null: it can): StartRun requires a role and an output URI, which
 * its GetRun did not say.
 */
export function unrebuildableRun(r: OmicsRunRecord): string | null {
  const missing = (['roleArn', 'outputUri'] as const).filter((f) => !r[f]);
  return missing.length > 0
    ? `Its GetRun lacks ${missing.join(' and ')}, which StartRun requires.`
    : null;
}

/**
 * The StartRun body that reruns the run `key` described as `r`: its `runId` (the run duplicated),
 * `requestId` the rerun's key, and GetRun's fields StartRun takes; a STATIC run's storage
 * capacity (a DYNAMIC run's is the service's to size). Its tags, parameters, cache and
 * networking settings are the service's copy of the run's.
 */
function startRunBody(r: OmicsRunRecord, key: RunKey, rerunKey: string): Wire {
  const why = unrebuildableRun(r);
  if (why) throw new TypeError(why);
  const body: Wire = { runId: key.runId, requestId: rerunKey };
  for (const field of CARRIED) if (r[field] !== null) body[field] = r[field];
  if (r.storageType !== 'DYNAMIC' && r.storageCapacity !== null)
    body.storageCapacity = r.storageCapacity;
  return body;
}

type RunRerun = RerunInput<RunKey>;

/** The new run's provider ID as a rerun names it (RerunSubmitted.jobId): `{uuid}:{runId}`, as its global ID ends. */
const runJobId = (uuid: string, runId: string) => `${uuid}:${runId}`;

/**
 * StartRun (`POST /run`, rest-json, SigV4 `omics`, the `workflows-` host prefix, 201): answers
 * `{arn, id, uuid, status, tags, runOutputUri}`; the new run is named by its uuid and ID.
 * @public (the permissions test reads each exported operation of the provider's folder)
 */
export const START_RUN: Operation<RunRerun, RerunSubmitted> = {
  name: 'StartRun',
  acts: true,
  region: (input) => input.key.region,
  send: (input) =>
    workflowsPost('/run', startRunBody(input.record as OmicsRunRecord, input.key, input.rerunKey)),
  readError: (input, answer) => readOmicsError(runSubject(input.key), answer),
  parse: (_input, answer) => {
    const body = response(awsJsonOutput(answer), 'response is not an object');
    const id = str(body.id, 'id');
    const uuid = str(body.uuid, 'uuid');
    if (id === null || uuid === null)
      throw new MalformedBodyError('StartRun answered no id or uuid');
    return { jobId: runJobId(uuid, id), requestId: awsRequestId(answer.headers) };
  },
};

/** The key of the run a rerun of `key` started, from its `{uuid}:{runId}`. */
function startedKey(key: RunKey, jobId: string): RunKey {
  const at = jobId.lastIndexOf(':');
  return { ...key, uuid: jobId.slice(0, at), runId: jobId.slice(at + 1) };
}

/**
 * Workflow runs' rerun on the wire (`KindWire.rerun`): no candidates, StartRun's requestId finds
 * a lost answer's run. GetRun says no requestId, so no run read is known to be a rerun's
 * (`made`): never asked without candidates.
 */
export const OMICS_RUN_RERUN: NonNullable<KindWire<OmicsRunRecord>['rerun']> = {
  subject: (key) => key,
  keyOf: (key: JobKey, jobId) => startedKey(key as RunKey, jobId),
  made: () => false,
  submit: START_RUN,
  said: 'HealthOmics duplicated the run by its ID (its parameters, tags and cache settings copied by the service, never read by jobgraph) under the rerun key as its requestId: asked again, it answers this same run.',
};
