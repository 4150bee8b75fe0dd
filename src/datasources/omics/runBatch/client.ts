import type { JobKey } from '../../../model/keys.ts';
import type { ActedAnswer, ActionInput } from '../../shared/acting.ts';
import { awsJsonOperation } from '../../shared/awsCall.ts';
import { awsRequestId } from '../../shared/awsErrors.ts';
import { rfc3986 } from '../../shared/rfc3986.ts';
import type { KindWire, Operation } from '../../shared/wire.ts';
import { readOmicsError } from '../errors.ts';
import { workflowsGet, workflowsPost } from '../workflows.ts';
import { parse, type OmicsRunBatchKey } from './parse.ts';
import type { OmicsRunBatchRecord } from './record.ts';

/** How a run batch is named in generated messages. */
export function runBatchSubject(key: { region: string; batchId: string }): string {
  return `HealthOmics run batch "${key.batchId}" (${key.region})`;
}

/**
 * GetBatch, rest-json `GET /runBatch/{batchId}` with the `workflows-` host prefix (no prefix with
 * an endpoint override, as for the reference import jobs), SigV4 `omics`, through the provider's
 * one pipeline. Errors as the other HealthOmics calls' (404 ResourceNotFoundException: not found).
 */
const GET_BATCH: Operation<JobKey, OmicsRunBatchRecord> = awsJsonOperation<
  OmicsRunBatchKey,
  OmicsRunBatchRecord
>({
  name: 'GetBatch',
  send: (key) => workflowsGet(`/runBatch/${rfc3986(key.batchId)}`),
  readError: (key, answer) => readOmicsError(runBatchSubject(key), answer),
  parse,
});

/**
 * CancelRunBatch, `POST /runBatch/cancel` with `{"batchId"}`: 202 with an empty object; the
 * batch's runs not yet ended are cancelled and the batch becomes CANCELLED (what it became is read
 * by a describe afterwards). HealthOmics takes no reason: the caller's stays in jobgraph's audit.
 * A batch not PENDING, SUBMITTING or INPROGRESS is 409 ConflictException.
 */
const CANCEL_RUN_BATCH: Operation<ActionInput<JobKey>, ActedAnswer> = {
  name: 'CancelRunBatch',
  acts: true,
  region: ({ key }) => (key as OmicsRunBatchKey).region,
  send: ({ key }) =>
    workflowsPost('/runBatch/cancel', { batchId: (key as OmicsRunBatchKey).batchId }),
  readError: ({ key }, answer) => readOmicsError(runBatchSubject(key as OmicsRunBatchKey), answer),
  parse: (_input, answer) => ({ requestId: awsRequestId(answer.headers) }),
};

/** The run batch kind on the wire (`ProviderWire.kinds.runBatch`). */
export const RUN_BATCH_WIRE: KindWire<OmicsRunBatchRecord> = {
  describe: GET_BATCH,
  actions: { cancel: CANCEL_RUN_BATCH },
};
