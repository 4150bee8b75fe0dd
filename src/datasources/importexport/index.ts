import { InternalError, MalformedBodyError } from '../../errors.ts';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { ImportExportKey } from '../../globalId.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../shared/bodyCap.ts';
import { badResponse, funnelError } from '../shared/classify.ts';
import type { HttpResult } from '../shared/http.ts';
import { observeAttempt } from '../shared/attempts.ts';
import type { AwsSourceOptions } from '../shared/options.ts';
import { handMadeRetryPolicy, retryUpstream } from '../shared/retry.ts';
import type { SourceSeams } from '../shared/seams.ts';
import type { JobSource } from '../shared/types.ts';
import { ImportExportClient } from './client.ts';
import { credentialsFailure, headerRequestId, toUpstreamError } from './errors.ts';
import { parse, successRequestId } from './parse.ts';
import type { ImportExportJobRecord } from './record.ts';

const PROVIDER = 'AWS_IMPORT_EXPORT' as const;

/**
 * The AWS Import/Export source: GetStatus over a hand-made query client (signed by the
 * shared `SigV4Signer` (node:crypto) as SigV4 `IngestionService`/us-east-1, global endpoint or `options.endpoint`), retried by the
 * hand-made clients' one policy (`handMadeRetryPolicy`: throttling, 5xx and transport
 * failures, up to `maxAttempts`, full-jitter backoff honouring Retry-After, each attempt cut to
 * what is left of `options.budgetMs`), bodies capped at `options.maxBodyBytes`. Every failure
 * is an UpstreamError, or an InternalError for jobgraph's own.
 */
export function createImportExportSource(options: AwsSourceOptions, seams: SourceSeams = {}): JobSource<'AWS_IMPORT_EXPORT', ImportExportJobRecord> {
  const now = seams.now ?? Date.now;
  const retryPolicy = handMadeRetryPolicy(options, { ...seams, now });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const client = new ImportExportClient({
    maxSockets: options.maxSockets,
    now,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });

  /** One attempt; every failure leaves through the funnel once, as an UpstreamError or InternalError. */
  async function attempt(
    key: ImportExportKey,
    credentials: AwsCredentialIdentity,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    noteSuccess: (requestId: string | null, httpStatus: number | null) => void,
  ): Promise<ImportExportJobRecord> {
    let res: HttpResult;
    try {
      res = await client.describeJob(key, credentials, { timeoutMs, maxBodyBytes, ...(signal ? { signal } : {}) });
      if (res.status < 200 || res.status >= 300) throw toUpstreamError(key, res);
    } catch (err) {
      throw funnelError(PROVIDER, err);
    }
    try {
      const record = parse(key, res.body);
      noteSuccess(successRequestId(res.body) ?? headerRequestId(res), res.status);
      return record;
    } catch (err) {
      // Only a malformed body is the provider's; any other exception in the parse step is ours.
      if (err instanceof MalformedBodyError) throw badResponse(PROVIDER, err, successRequestId(res.body) ?? headerRequestId(res));
      throw new InternalError(PROVIDER, err);
    }
  }

  async function fetchJob(key: ImportExportKey, opts: { signal?: AbortSignal } = {}): Promise<ImportExportJobRecord> {
    const started = now();
    let credentials: AwsCredentialIdentity;
    try {
      credentials = await client.resolveCredentials();
    } catch (err) {
      throw credentialsFailure(err);
    }
    // The budget includes resolving credentials.
    return retryUpstream(
      (timeoutMs, n) =>
        observeAttempt(options.observer, { provider: PROVIDER, region: null, operation: 'GetStatus', attempt: n }, (noteSuccess) =>
          attempt(key, credentials, timeoutMs, opts.signal, noteSuccess),
        ),
      retryPolicy,
      opts.signal,
      started,
    );
  }

  return {
    provider: 'AWS_IMPORT_EXPORT',
    fetchJob,
    close: () => client.close(),
  };
}
