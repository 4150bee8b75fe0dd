import type { OmicsRunKey } from '../../../model/keys.ts';
import { awsJsonOutput } from '../../shared/awsCall.ts';
import { required, response, str } from '../../shared/json.ts';
import type { ListPage } from '../../shared/paging.ts';
import { rfc3986 } from '../../shared/rfc3986.ts';
import type { Operation } from '../../shared/source.ts';
import { readOmicsError } from '../errors.ts';
import {
  listedDateTime,
  workflowsGet,
  workflowsPage,
  workflowsStatusList,
  type WorkflowsListedStatus,
  type WorkflowsStatusListCall,
} from '../workflows.ts';
import { parse } from './parse.ts';
import { OMICS_RUN_STATE_MAP, type OmicsRunRecord, type OmicsRunStatus } from './record.ts';

/**
 * The runs' list operations for `listJobs` (API reference pages ListRuns and GetRun;
 * `@aws-sdk/client-omics` schemas): rest-json `GET`, SigV4 `omics`, the `workflows-` host prefix.
 *
 * - ListRuns: `GET /run?maxResults=&startingToken=&status=&name=&runGroupId=&batchId=`, answer
 *   `{"items": [{arn, id, status, workflowId, batchId, name, priority, storageCapacity,
 *   creationTime, startTime, stopTime, storageType, workflowVersionName}], "nextToken"}`: a
 *   `RunListItem` has no `uuid`, so a listed run is read by GetRun before it can be named.
 * - GetRun by run ID alone (`GET /run/{id}`), the kind's describe call and parse, the run's key
 *   then the answer's `uuid`: whichever run holds the ID now.
 */

/** Largest `maxResults` of ListRuns. */
export const OMICS_RUN_LIST_MAX_RESULTS = 100;

/** One `RunListItem`, normalised: what names the run and places it in the merged order. */
export interface OmicsRunSummary extends WorkflowsListedStatus {
  runId: string;
  createdAt: Date;
}

/** ListRuns as an operation of the one pipeline (`ProviderSource.call`). */
export const OMICS_LIST_RUNS: Operation<
  WorkflowsStatusListCall<OmicsRunStatus>,
  ListPage<OmicsRunSummary>
> = workflowsStatusList({
  name: 'ListRuns',
  path: '/run',
  page: workflowsPage('maxResults', OMICS_RUN_LIST_MAX_RESULTS),
  what: 'run',
  table: OMICS_RUN_STATE_MAP,
  item: (o, f) => ({
    runId: required(str, o, 'id', f),
    createdAt: required(listedDateTime, o, 'creationTime', f),
  }),
});

/** A listed run to read: its region, its ID, and the account alias listed (absent: the default). */
interface OmicsListedRun {
  region: string;
  runId: string;
  account?: string;
}

/**
 * GetRun of a listed run by its ID, as the kind's describe reads it (omics/run/client.ts: the
 * same request, errors and parse), keyed by the `uuid` it answers: the run that holds the ID now.
 */
export const OMICS_GET_LISTED_RUN: Operation<OmicsListedRun, OmicsRunRecord> = {
  name: 'GetRun',
  region: (input) => input.region,
  send: (input) => workflowsGet(`/run/${rfc3986(input.runId)}`),
  readError: (input, answer) =>
    readOmicsError(`HealthOmics run "${input.runId}" (${input.region})`, answer),
  parse: (input, answer) => {
    const output = awsJsonOutput(answer);
    const key: OmicsRunKey = {
      provider: 'AWS_OMICS',
      kind: 'run',
      region: input.region,
      uuid: required(str, response(output, 'response is not an object'), 'uuid', 'response'),
      runId: input.runId,
      ...(input.account !== undefined ? { account: input.account } : {}),
    };
    return parse(key, output);
  },
};
