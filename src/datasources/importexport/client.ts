import type { ImportExportKey } from '../../model/keys.ts';
import { awsWire } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import { formEncode, rfc3986 } from '../shared/rfc3986.ts';
import type { Operation, ProviderWire, WireRequest } from '../shared/source.ts';
import { headerRequestId, toUpstreamError } from './errors.ts';
import { parse, successRequestId, withoutRequestId } from './parse.ts';
import type { ImportExportJobRecord } from './record.ts';

/** The single global endpoint (partition `aws`, `isRegionalized: false`). */
const IMPORTEXPORT_ENDPOINT = 'https://importexport.amazonaws.com';
/** botocore signs Import/Export with SigV4 under this name and region whatever the client region. */
const IMPORTEXPORT_SIGNING_NAME = 'IngestionService';
export const IMPORTEXPORT_SIGNING_REGION = 'us-east-1';
/** The query API version every SDK model uses (the Developer Guide says 2010-06-03). */
export const IMPORTEXPORT_API_VERSION = '2010-06-01';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

/** The pairs every GetStatus form starts with, encoded once (they encode to themselves). */
const GET_STATUS_FORM_HEAD = `${formEncode([
  ['Action', 'GetStatus'],
  ['Version', IMPORTEXPORT_API_VERSION],
])}&JobId=`;

/**
 * The form body of one GetStatus call: `Action=GetStatus&Version=2010-06-01&JobId=…`, RFC 3986
 * encoded. A watched job's every poll sends one: only the job ID is encoded per call, not the
 * fixed pairs listed, encoded and joined again each time.
 */
export function getStatusBody(jobId: string): string {
  return GET_STATUS_FORM_HEAD + rfc3986(jobId);
}

/**
 * GetStatus on the wire: the query protocol, a form `POST /` (under an override's own path),
 * signed with SigV4 as `IngestionService`/us-east-1 over the whole body, with no
 * `x-amz-content-sha256` (the query protocol sends none).
 */
function getStatusRequest(key: ImportExportKey): WireRequest {
  return {
    method: 'POST',
    path: '/',
    headers: { 'content-type': FORM_CONTENT_TYPE },
    body: getStatusBody(key.jobId),
  };
}

/** GetStatus as an operation of the one pipeline: the global service, signed for us-east-1. */
const GET_STATUS: Operation<ImportExportKey, ImportExportJobRecord> = {
  name: 'GetStatus',
  region: () => IMPORTEXPORT_SIGNING_REGION,
  send: getStatusRequest,
  readError: toUpstreamError,
  parse: (key, answer) => parse(key, answer.body),
  sameAnswer: withoutRequestId,
};

/**
 * AWS Import/Export on the wire: the global endpoint (or `options.endpoint`), SigV4
 * `IngestionService`/us-east-1, the query protocol's XML read by parse.ts and errors.ts.
 */
export function importExportWire(
  options: AwsSourceOptions,
): ProviderWire<ImportExportKey, ImportExportJobRecord, unknown> {
  return awsWire(
    GET_STATUS,
    {
      signingName: IMPORTEXPORT_SIGNING_NAME,
      signingRegion: IMPORTEXPORT_SIGNING_REGION,
      endpoint: { global: IMPORTEXPORT_ENDPOINT },
      // The service sends the request ID as a header too; reading it from the success envelope
      // would parse the whole body a second time, so the envelope is read only without the header.
      requestId: (answer) => headerRequestId(answer) ?? successRequestId(answer.body),
    },
    options,
  );
}
