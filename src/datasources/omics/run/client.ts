import type { KindKeyOf } from '../../../model/keys.ts';
import type { HttpResult } from '../../shared/http.ts';
import { awsJsonOperation } from '../../shared/awsCall.ts';
import { rfc3986 } from '../../shared/rfc3986.ts';
import type { KindWire } from '../../shared/wire.ts';
import type { ActionInput } from '../../shared/acting.ts';
import { awsRequestId } from '../../shared/awsErrors.ts';
import type { ActedAnswer, Operation } from '../../shared/source.ts';
import { readOmicsError } from '../errors.ts';
import { workflowsGet, workflowsPost } from '../workflows.ts';
import { parse, runSubject } from './parse.ts';
import type { OmicsRunRecord } from './record.ts';

type RunKey = KindKeyOf<'AWS_OMICS', 'run'>;

/**
 * GetRun, rest-json `GET /run/{id}`, through the provider's one pipeline (shared/source.ts): its
 * host prefix `workflows-` unless an endpoint override is set, as the storage operations'.
 */
const getRun = awsJsonOperation<RunKey, OmicsRunRecord>({
  name: 'GetRun',
  send: (key) => workflowsGet(`/run/${rfc3986(key.runId)}`),
  readError: (key, answer: HttpResult) => readOmicsError(runSubject(key), answer),
  parse,
});

/**
 * CancelRun, rest-json `POST /run/{id}/cancel` (202, no body), SigV4 `omics`, the `workflows-`
 * host prefix, through the provider's pipeline. HealthOmics takes no reason (the audit keeps it);
 * a run already finished answers ConflictException, read as GetRun's errors are.
 */
const CANCEL_RUN: Operation<ActionInput<RunKey>, ActedAnswer> = {
  name: 'CancelRun',
  acts: true,
  region: ({ key }) => key.region,
  send: ({ key }) => workflowsPost(`/run/${rfc3986(key.runId)}/cancel`),
  readError: ({ key }, answer) => readOmicsError(runSubject(key), answer),
  parse: (_input, answer) => ({ requestId: awsRequestId(answer.headers) }),
};

/**
 * HealthOmics workflow runs on the wire (`ProviderWire.kinds.run`). The pipeline gives a kind's
 * operations only that kind's keys (it dispatches by `key.kind`) and hands their records to the
 * kind's own code (`kindOf`).
 */
export function omicsRunWire(): KindWire<OmicsRunRecord> {
  return {
    describe: getRun,
    actions: { cancel: CANCEL_RUN },
  };
}
