import type { PanoramaKey } from '../../model/globalId.ts';
import { awsJsonOperation, awsWire } from '../shared/awsCall.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import { rfc3986 } from '../shared/rfc3986.ts';
import type { ProviderWire } from '../shared/source.ts';
import { PANORAMA_END_OF_SUPPORT_NOTE, toUpstreamError } from './errors.ts';
import { parse } from './parse.ts';
import type { PanoramaPackageImportJobRecord } from './record.ts';

/**
 * DescribePackageImportJob on the wire: rest-json `GET /packages/import-jobs/{JobId}`; the
 * protocol tests check each fixture against the real SDK deserialiser.
 */
export const DESCRIBE_PACKAGE_IMPORT_JOB = awsJsonOperation<
  PanoramaKey,
  PanoramaPackageImportJobRecord
>({
  name: 'DescribePackageImportJob',
  send: (key) => ({
    method: 'GET',
    path: `/packages/import-jobs/${rfc3986(key.jobId)}`,
    headers: {},
    body: '',
  }),
  readError: toUpstreamError,
  parse,
});

/**
 * AWS Panorama on the wire: SigV4 `panorama`, regional endpoint `panorama.{region}.{dnsSuffix}`
 * (or `options.endpoint`), through the one pipeline (shared/source.ts, shared/awsCall.ts).
 * `options.credentials` undefined means the standard AWS credential chain.
 *
 * AWS ended support for Panorama on 2026-05-31 and its SDK client gets no more releases; the
 * documented protocol is all this needs, and a transport failure says so.
 */
export function panoramaWire(
  options: AwsSourceOptions,
): ProviderWire<PanoramaKey, PanoramaPackageImportJobRecord, unknown> {
  return awsWire(
    DESCRIBE_PACKAGE_IMPORT_JOB,
    {
      signingName: 'panorama',
      endpoint: { prefix: 'panorama' },
      unreachableNote: PANORAMA_END_OF_SUPPORT_NOTE,
    },
    options,
  );
}
