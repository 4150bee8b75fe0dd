import type { ImportExportKey } from '../../model/globalId.ts';
import { formEncode } from '../shared/rfc3986.ts';
import type { WireRequest } from '../shared/source.ts';

/** The single global endpoint (partition `aws`, `isRegionalized: false`). */
export const IMPORTEXPORT_ENDPOINT = 'https://importexport.amazonaws.com';
/** botocore signs Import/Export with SigV4 under this name and region whatever the client region. */
export const IMPORTEXPORT_SIGNING_NAME = 'IngestionService';
export const IMPORTEXPORT_SIGNING_REGION = 'us-east-1';
/** The query API version every SDK model uses (the Developer Guide says 2010-06-03). */
export const IMPORTEXPORT_API_VERSION = '2010-06-01';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

/** The form body of one GetStatus call: `Action=GetStatus&Version=2010-06-01&JobId=…`, RFC 3986 encoded. */
export function getStatusBody(jobId: string): string {
  return formEncode([
    ['Action', 'GetStatus'],
    ['Version', IMPORTEXPORT_API_VERSION],
    ['JobId', jobId],
  ]);
}

/**
 * GetStatus on the wire: the query protocol, a form `POST /` (under an override's own path),
 * signed with SigV4 as `IngestionService`/us-east-1 over the whole body, with no
 * `x-amz-content-sha256` (the query protocol sends none).
 */
export function getStatusRequest(key: ImportExportKey): WireRequest {
  return {
    method: 'POST',
    path: '/',
    headers: { 'content-type': FORM_CONTENT_TYPE },
    body: getStatusBody(key.jobId),
  };
}
