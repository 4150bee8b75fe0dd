import type { OmicsKey } from '../../model/globalId.ts';
import type { AwsJsonService } from '../shared/awsCall.ts';
import { rfc3986 } from '../shared/rfc3986.ts';

/** The endpoint trait of HealthOmics' storage operations. */
export const OMICS_HOST_PREFIX = 'control-storage-';

/**
 * GetReferenceImportJob on the wire: rest-json `GET /referencestore/{referenceStoreId}/importjob/{id}`,
 * SigV4 `omics`, sent through the one pipeline (shared/source.ts).
 *
 * Host prefix: the operation carries the endpoint trait `control-storage-`, so without an
 * override requests go to `control-storage-omics.{region}.amazonaws.com`. An endpoint
 * override (AWS_ENDPOINT_URL_OMICS) is used as given (README, "Configuration"): no prefix.
 */
export const OMICS_SERVICE: AwsJsonService<'AWS_OMICS'> = {
  provider: 'AWS_OMICS',
  operation: 'GetReferenceImportJob',
  signingName: 'omics',
  endpointPrefix: 'omics',
  request: (key: OmicsKey) => ({
    method: 'GET',
    path: `/referencestore/${rfc3986(key.referenceStoreId)}/importjob/${rfc3986(key.id)}`,
    headers: {},
    body: '',
    hostPrefix: OMICS_HOST_PREFIX,
  }),
};
