import type { ImportExportKey } from '../../model/globalId.ts';
import { awsWire } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';
import { createSource, type Operation, type ProviderSource } from '../shared/source.ts';
import {
  IMPORTEXPORT_ENDPOINT,
  IMPORTEXPORT_SIGNING_NAME,
  IMPORTEXPORT_SIGNING_REGION,
  getStatusRequest,
} from './client.ts';
import { headerRequestId, toUpstreamError } from './errors.ts';
import { parse, successRequestId } from './parse.ts';
import type { ImportExportJobRecord } from './record.ts';

const GET_STATUS: Operation<ImportExportKey, ImportExportJobRecord> = {
  name: 'GetStatus',
  region: () => IMPORTEXPORT_SIGNING_REGION,
  send: getStatusRequest,
  readError: toUpstreamError,
  parse: (key, answer) => parse(key, answer.body),
};

/**
 * AWS Import/Export `GetStatus` on the one pipeline: the global endpoint (or `options.endpoint`),
 * SigV4 `IngestionService`/us-east-1, the query protocol's XML read by parse.ts and errors.ts.
 * Throws UpstreamError, or InternalError for jobgraph's own failures.
 */
export function createImportExportSource(
  options: AwsSourceOptions,
  seams: SourceSeams = {},
): ProviderSource<'AWS_IMPORT_EXPORT', ImportExportJobRecord> {
  return createSource(
    {
      ...awsWire(
        'AWS_IMPORT_EXPORT',
        { name: IMPORTEXPORT_SIGNING_NAME, region: IMPORTEXPORT_SIGNING_REGION },
        options,
      ),
      provider: 'AWS_IMPORT_EXPORT',
      describe: GET_STATUS,
      endpoint: () => new URL(IMPORTEXPORT_ENDPOINT),
      // The service sends the request ID as a header too; reading it from the success envelope
      // would parse the whole body a second time, so the envelope is read only without the header.
      requestId: (answer) => headerRequestId(answer) ?? successRequestId(answer.body),
      global: true,
    },
    options,
    seams,
  );
}
