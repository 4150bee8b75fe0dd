import type { OmicsKey } from '../../model/globalId.ts';
import { awsJsonOperation, awsWire } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import { rfc3986 } from '../shared/rfc3986.ts';
import type { ProviderWire } from '../shared/source.ts';
import { toUpstreamError } from './errors.ts';
import { parse } from './parse.ts';
import type { OmicsReferenceImportJobRecord } from './record.ts';

/** The endpoint trait of HealthOmics' storage operations. */
export const OMICS_HOST_PREFIX = 'control-storage-';

/**
 * GetReferenceImportJob on the wire: rest-json
 * `GET /referencestore/{referenceStoreId}/importjob/{id}`. Host prefix: the operation carries the
 * endpoint trait `control-storage-`, so without an override requests go to
 * `control-storage-omics.{region}.amazonaws.com`. An endpoint override (AWS_ENDPOINT_URL_OMICS)
 * is used as given (README, "Configuration"): no prefix.
 */
export const GET_REFERENCE_IMPORT_JOB = awsJsonOperation<OmicsKey, OmicsReferenceImportJobRecord>({
  name: 'GetReferenceImportJob',
  send: (key) => ({
    method: 'GET',
    path: `/referencestore/${rfc3986(key.referenceStoreId)}/importjob/${rfc3986(key.id)}`,
    headers: {},
    body: '',
    hostPrefix: OMICS_HOST_PREFIX,
  }),
  readError: toUpstreamError,
  parse,
});

/**
 * AWS HealthOmics on the wire: SigV4 `omics`, regional endpoint `omics.{region}.{dnsSuffix}` (or
 * `options.endpoint`), through the one pipeline (shared/source.ts, shared/awsCall.ts).
 * `options.credentials` undefined means the standard AWS credential chain.
 */
export function omicsWire(
  options: AwsSourceOptions,
): ProviderWire<OmicsKey, OmicsReferenceImportJobRecord, unknown> {
  return awsWire(
    GET_REFERENCE_IMPORT_JOB,
    { signingName: 'omics', endpoint: { prefix: 'omics' } },
    options,
  );
}
