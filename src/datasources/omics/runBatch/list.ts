import { awsJsonOutput } from '../../shared/awsCall.ts';
import { entry, jsonListPage, response, str } from '../../shared/json.ts';
import { rfc3986 } from '../../shared/rfc3986.ts';
import { addPage, type ListPage, type PageInput, type PageParams } from '../../shared/paging.ts';
import type { Operation, WireRequest } from '../../shared/source.ts';
import { readOmicsError } from '../errors.ts';
import { OMICS_WORKFLOWS_HOST_PREFIX, runBatchSubject } from './client.ts';

/**
 * A run batch's runs (API reference page ListRunsInBatch; `@aws-sdk/client-omics` schemas):
 * rest-json `GET`, SigV4 `omics`, the `workflows-` host prefix, the page in the query (`maxItems`
 * 1..100, `startingToken`), the answer's `nextToken`.
 *
 * - ListRunsInBatch: `GET /runBatch/{batchId}/run?maxItems=&startingToken=`, answer `{"runs":
 *   [{runSettingId, runId, runInternalUuid, runArn, submissionStatus, submissionFailureReason,
 *   submissionFailureMessage}], "nextToken"}`, in submission order.
 */

/** Largest `maxItems`. */
export const OMICS_BATCH_LIST_MAX_ITEMS = 100;

const PAGE: PageParams = {
  size: 'maxItems',
  sizeInput: 'maxItems',
  max: OMICS_BATCH_LIST_MAX_ITEMS,
  token: 'startingToken',
};

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

function get(path: string, page: PageInput, query: [string, string][] = []): WireRequest {
  return {
    method: 'GET',
    path,
    query: addPage(query, PAGE, page.maxResults, page.nextToken),
    headers: {},
    body: '',
    hostPrefix: OMICS_WORKFLOWS_HOST_PREFIX,
  };
}

/** ListRunsInBatch as an operation of the one pipeline (`ProviderSource.call`). */
export const OMICS_LIST_RUNS_IN_BATCH: Operation<
  OmicsRunsInBatchCall,
  ListPage<OmicsRunInBatch>
> = {
  name: 'ListRunsInBatch',
  region: (input) => input.region,
  send: (input) => get(`/runBatch/${rfc3986(input.batchId)}/run`, input),
  readError: (input, answer) => readOmicsError(runBatchSubject(input), answer),
  parse: (_input, answer) => parseRunsInBatchPage(awsJsonOutput(answer)),
};

/** A ListRunsInBatch answer (raw JSON or the SDK's output). */
function parseRunsInBatchPage(output: unknown): ListPage<OmicsRunInBatch> {
  return jsonListPage(
    response(output, 'response is not an object'),
    'runs',
    'nextToken',
    (v, f) => {
      const o = entry(v, f);
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
    },
  );
}
