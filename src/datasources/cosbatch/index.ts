import { MalformedBodyError } from '../../errors.ts';
import type { CosBatchKey } from '../../model/globalId.ts';
import type { CosSourceOptions } from '../shared/options.ts';
import type { SourceSeams } from '../shared/seams.ts';
import { createSource, type Operation, type ProviderSource } from '../shared/source.ts';
import { cosEndpoint, describeJobRequest, signCos, type CosCredentials } from './client.ts';
import { cosRequestId, notConfigured, toUpstreamError } from './errors.ts';
import { parse } from './parse.ts';
import type { CosBatchJobRecord } from './record.ts';

/**
 * Tencent COS Batch `DescribeJob` on the one pipeline (no Node SDK covers COS Batch): the
 * account's control-plane host in the job's region (or `options.endpoint`), the COS `sha1`
 * signature, the XML read by parse.ts and errors.ts. Without credentials or an APPID every job
 * answers PROVIDER_NOT_CONFIGURED. Throws UpstreamError, or InternalError for jobgraph's own failures.
 */
export function createCosBatchSource(
  options: CosSourceOptions,
  seams: SourceSeams = {},
): ProviderSource<'TENCENT_COS_BATCH', CosBatchJobRecord> {
  const { credentials, appId } = options;
  const keys: Promise<CosCredentials> | null =
    credentials && appId ? Promise.resolve({ ...credentials, appId }) : null;
  const describe: Operation<CosBatchKey, CosBatchJobRecord> = {
    name: 'DescribeJob',
    region: (key) => key.region,
    send: (key) => describeJobRequest(key, appId as string),
    readError: toUpstreamError,
    parse(key, answer) {
      try {
        return parse(key, answer.body);
      } catch (err) {
        // A 2xx can still carry an <Error> envelope (Tencent "Error Codes" says so for PUT Object - Copy).
        if (err instanceof MalformedBodyError && /<Error>/.test(answer.body))
          throw toUpstreamError(key, answer);
        throw err;
      }
    },
  };
  return createSource(
    {
      provider: 'TENCENT_COS_BATCH',
      describe,
      credentials: () =>
        keys ?? Promise.reject(notConfigured(credentials ? 'appId' : 'credentials')),
      endpoint: cosEndpoint,
      sign: (request, creds, _region, date) => signCos(request, creds, date),
      requestId: (answer) => cosRequestId(answer),
    },
    options,
    seams,
  );
}
