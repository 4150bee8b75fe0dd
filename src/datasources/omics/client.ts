import type { OmicsKey } from '../../model/keys.ts';
import { awsJsonWire } from '../shared/awsCall.ts';
import type { ProviderWire } from '../shared/wire.ts';
import { rfc3986 } from '../shared/rfc3986.ts';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { AwsSourceOptions } from '../shared/options.ts';
import * as errors from './errors.ts';
import { omicsRunWire } from './run/client.ts';
import { OMICS_RUN_RERUN } from './run/rerun.ts';
import * as parse from './parse.ts';
import type { OmicsReferenceImportJobRecord } from './record.ts';
// Run batches (issue 102).
import { RUN_BATCH_WIRE } from './runBatch/client.ts';

/** The endpoint trait of HealthOmics' storage operations. */
export const OMICS_HOST_PREFIX = 'control-storage-';

/**
 * AWS HealthOmics on the wire: GetReferenceImportJob, rest-json
 * `GET /referencestore/{referenceStoreId}/importjob/{id}`, SigV4 `omics`, regional endpoint
 * `omics.{region}.{dnsSuffix}` (or `options.endpoint`), through the one pipeline
 * (shared/source.ts, shared/awsCall.ts); `options.credentials` undefined means the standard AWS
 * credential chain. Host prefix: the operation carries the endpoint trait `control-storage-`, so
 * without an override requests go to `control-storage-omics.{region}.amazonaws.com`; an endpoint
 * override (AWS_ENDPOINT_URL_OMICS) is used as given (docs/configuration.md, AWS): no prefix.
 */
const referenceImportWire = awsJsonWire<OmicsKey, OmicsReferenceImportJobRecord>(
  {
    name: 'GetReferenceImportJob',
    request: (key) => ({
      method: 'GET',
      path: `/referencestore/${rfc3986(key.referenceStoreId)}/importjob/${rfc3986(key.id)}`,
      headers: {},
      body: '',
      hostPrefix: OMICS_HOST_PREFIX,
    }),
  },
  errors,
  parse,
  { signingName: 'omics', endpoint: { prefix: 'omics' } },
);

/** HealthOmics' wire: its reference import jobs', and its further kinds' operations (`kinds`). */
export function omicsWire(
  options: AwsSourceOptions,
): ProviderWire<OmicsKey, OmicsReferenceImportJobRecord, AwsCredentialIdentity> {
  return {
    ...referenceImportWire(options),
    kinds: {
      // Workflow runs (omics/run): GetRun, CancelRun; rerun by StartRun (run/rerun.ts: the
      // run's ID duplicated, the rerun's key its requestId).
      run: { ...omicsRunWire(), rerun: OMICS_RUN_RERUN },
      // Run batches (omics/runBatch): GetBatch, CancelRunBatch.
      runBatch: RUN_BATCH_WIRE,
    },
  };
}
