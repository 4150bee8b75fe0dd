import type { PanoramaKey } from '../../model/keys.ts';
import { awsJsonWire } from '../shared/awsCall.ts';
import { rfc3986 } from '../shared/rfc3986.ts';
import * as errors from './errors.ts';
import * as parse from './parse.ts';
import type { PanoramaPackageImportJobRecord } from './record.ts';

/**
 * AWS Panorama on the wire: DescribePackageImportJob, rest-json
 * `GET /packages/import-jobs/{JobId}`, SigV4 `panorama`, regional endpoint
 * `panorama.{region}.{dnsSuffix}` (or `options.endpoint`), through the one pipeline
 * (shared/source.ts, shared/awsCall.ts); `options.credentials` undefined means the standard AWS
 * credential chain. The protocol tests check each fixture against the real SDK deserialiser.
 *
 * AWS ended support for Panorama on 2026-05-31 and its SDK client gets no more releases; the
 * documented protocol is all this needs, and a transport failure says so.
 */
export const panoramaWire = awsJsonWire<PanoramaKey, PanoramaPackageImportJobRecord>(
  {
    name: 'DescribePackageImportJob',
    request: (key) => ({
      method: 'GET',
      path: `/packages/import-jobs/${rfc3986(key.jobId)}`,
      headers: {},
      body: '',
    }),
  },
  errors,
  parse,
  {
    signingName: 'panorama',
    endpoint: { prefix: 'panorama' },
    unreachableNote: errors.PANORAMA_END_OF_SUPPORT_NOTE,
  },
);
