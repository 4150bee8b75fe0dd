import type { PanoramaKey } from '../../model/globalId.ts';
import type { AwsJsonService } from '../shared/awsCall.ts';
import { rfc3986 } from '../shared/rfc3986.ts';
import { PANORAMA_END_OF_SUPPORT_NOTE } from './errors.ts';

/**
 * DescribePackageImportJob on the wire: rest-json `GET /packages/import-jobs/{JobId}`, SigV4
 * `panorama`, regional endpoint `panorama.{region}.{dnsSuffix}`. Sent by the shared lean AWS
 * caller (shared/awsCall.ts); the protocol tests check each fixture against the real SDK deserialiser.
 *
 * AWS ended support for Panorama on 2026-05-31 and its SDK client gets no more releases; the
 * documented protocol is all this needs.
 */
export const PANORAMA_SERVICE: AwsJsonService<'AWS_PANORAMA'> = {
  provider: 'AWS_PANORAMA',
  operation: 'DescribePackageImportJob',
  signingName: 'panorama',
  endpointPrefix: 'panorama',
  unreachableNote: PANORAMA_END_OF_SUPPORT_NOTE,
  request: (key: PanoramaKey) => ({
    method: 'GET',
    path: `/packages/import-jobs/${rfc3986(key.jobId)}`,
    headers: {},
    body: '',
  }),
};
