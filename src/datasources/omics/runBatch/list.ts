import { tableStatus } from '../../../model/job.ts';
import { int, required, str } from '../../shared/json.ts';
import { rfc3986 } from '../../shared/rfc3986.ts';
import type { ListPage, PageInput } from '../../shared/paging.ts';
import type { Operation } from '../../shared/source.ts';
import { readOmicsError } from '../errors.ts';
import { runBatchSubject } from './client.ts';
import {
  listedDateTime,
  workflowsListGet,
  workflowsListPage,
  workflowsPage,
  workflowsStatusList,
  type WorkflowsListedStatus,
  type WorkflowsStatusListCall,
} from '../workflows.ts';
import { OMICS_RUN_BATCH_STATE_MAP, type OmicsRunBatchStatus } from './record.ts';

/**
 * The run batches' two list operations (API reference pages ListBatch and ListRunsInBatch;
 * `@aws-sdk/client-omics` schemas): rest-json `GET`, SigV4 `omics`, the `workflows-` host prefix,
 * the page in the query (`maxItems` 1..100, `startingToken`), the answer's `nextToken`.
 *
 * - ListBatch: `GET /runBatch?maxItems=&startingToken=&status=&name=&runGroupId=`, answer
 *   `{"items": [{id, name, status, createdAt, totalRuns, workflowId}], "nextToken"}`.
 * - ListRunsInBatch: `GET /runBatch/{batchId}/run?maxItems=&startingToken=`, answer `{"runs":
 *   [{runSettingId, runId, runInternalUuid, runArn, submissionStatus, submissionFailureReason,
 *   submissionFailureMessage}], "nextToken"}`, in submission order.
 */

/** Largest `maxItems` of both. */
export const OMICS_BATCH_LIST_MAX_ITEMS = 100;

const PAGE = workflowsPage('maxItems', OMICS_BATCH_LIST_MAX_ITEMS);

/** One `BatchListItem`, normalised. */
export interface OmicsBatchSummary extends WorkflowsListedStatus {
  batchId: string;
  name: string | null;
  createdAt: Date;
  totalRuns: number | null;
  workflowId: string | null;
  status: OmicsRunBatchStatus | null;
}

/** One ListRunsInBatch call: the batch and a page. */
export interface OmicsRunsInBatchCall extends PageInput {
  region: string;
  batchId: string;
}

/** One `RunBatchListItem`, as the service lists it (GraphQL type `OmicsRunBatchRun`'s fields). */
export interface OmicsRunInBatch {
  runSettingId: string | null;
  runId: string | null;
  runInternalUuid: string | null;
  runArn: string | null;
  submissionStatus: string | null;
  submissionFailureReason: string | null;
  submissionFailureMessage: string | null;
}

/** ListBatch as an operation of the one pipeline (`ProviderSource.call`). */
export const OMICS_LIST_BATCH: Operation<
  WorkflowsStatusListCall<OmicsRunBatchStatus>,
  ListPage<OmicsBatchSummary>
> = workflowsStatusList({
  name: 'ListBatch',
  path: '/runBatch',
  page: PAGE,
  what: 'run batch',
  table: OMICS_RUN_BATCH_STATE_MAP,
  item: (o, f, upstreamStatus) => ({
    batchId: required(str, o, 'id', f),
    name: str(o.name, `${f}.name`),
    createdAt: required(listedDateTime, o, 'createdAt', f),
    totalRuns: int(o.totalRuns, `${f}.totalRuns`),
    workflowId: str(o.workflowId, `${f}.workflowId`),
    status: tableStatus(OMICS_RUN_BATCH_STATE_MAP, upstreamStatus),
  }),
});

/** ListRunsInBatch as an operation of the one pipeline (`ProviderSource.call`). */
export const OMICS_LIST_RUNS_IN_BATCH: Operation<
  OmicsRunsInBatchCall,
  ListPage<OmicsRunInBatch>
> = {
  name: 'ListRunsInBatch',
  region: (input) => input.region,
  send: (input) => workflowsListGet(`/runBatch/${rfc3986(input.batchId)}/run`, PAGE, input),
  readError: (input, answer) => readOmicsError(runBatchSubject(input), answer),
  parse: (_input, answer) =>
    workflowsListPage(answer, 'runs', (o, f) => {
      const s = (name: string) => str(o[name], `${f}.${name}`);
      return {
        runSettingId: s('runSettingId'),
        runId: s('runId'),
        runInternalUuid: s('runInternalUuid'),
        runArn: s('runArn'),
        submissionStatus: s('submissionStatus'),
        submissionFailureReason: s('submissionFailureReason'),
        submissionFailureMessage: s('submissionFailureMessage'),
      };
    }),
};
