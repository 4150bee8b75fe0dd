import { MalformedBodyError, UpstreamError } from '../../errors.ts';
import type { ImportExportKey } from '../../globalId.ts';
import type { AwsSourceOptions } from '../options.ts';
import { retryUpstream, type RetryPolicy } from '../retry.ts';
import type { JobSource } from '../types.ts';
import { ImportExportClient } from './client.ts';
import { credentialsFailure, errorFromResponse, headerRequestId, malformedSuccess, transportFailure } from './errors.ts';
import { parseGetStatus, successRequestId } from './parse.ts';
import type { ImportExportJobRecord } from './record.ts';
import type { SigV4Credentials } from './sigv4.ts';

export { IMPORTEXPORT_STATE_MAP } from './parse.ts';
export type { ImportExportArtifact, ImportExportJobRecord, ImportExportJobType } from './record.ts';

/** Import/Export options: the AWS ones plus injectable clock, jitter and sleep for tests. */
export interface ImportExportSourceOptions extends AwsSourceOptions {
  /** Clock in ms (signing time and the retry budget), default Date.now. */
  now?: () => number;
  /** Jitter source in [0, 1), default Math.random. */
  random?: () => number;
  /** Waits between attempts, default setTimeout honouring the abort signal. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Total time one job may take across attempts and waits, in ms (default 15000). */
  retryBudgetMs?: number;
}

/** Full-jitter backoff base and cap in ms (the AWS SDK's standard retry strategy uses the same). */
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 20_000;
const THROTTLE_BASE_MS = 500;

/**
 * The AWS Import/Export source: GetStatus over a hand-made query client (SigV4
 * `IngestionService`/us-east-1, global endpoint or `options.endpoint`). One attempt times out
 * after `timeoutMs`; throttling, 5xx and transport failures are retried up to `maxAttempts`
 * with full-jitter backoff (at least Retry-After when sent) inside `retryBudgetMs`.
 * Every failure is an UpstreamError.
 */
export function createImportExportSource(options: ImportExportSourceOptions): JobSource<'AWS_IMPORT_EXPORT', ImportExportJobRecord> {
  const now = options.now ?? Date.now;
  // Each attempt's timeout is cut to what is left of the budget, so a retry starts while any is left.
  const retryPolicy: RetryPolicy = {
    maxAttempts: Math.floor(options.maxAttempts),
    timeoutMs: options.timeoutMs,
    trimAttemptToBudget: true,
    backoffBaseMs: BACKOFF_BASE_MS,
    backoffCapMs: BACKOFF_CAP_MS,
    throttleBaseMs: THROTTLE_BASE_MS,
    now,
    ...(options.retryBudgetMs !== undefined ? { budgetMs: options.retryBudgetMs } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.sleep ? { sleep: options.sleep } : {}),
  };
  const client = new ImportExportClient({
    maxSockets: options.maxSockets,
    now,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });

  async function attempt(key: ImportExportKey, credentials: SigV4Credentials, timeoutMs: number, signal?: AbortSignal): Promise<ImportExportJobRecord> {
    let res;
    try {
      res = await client.getStatus(key.jobId, credentials, { timeoutMs, ...(signal ? { signal } : {}) });
    } catch (err) {
      throw transportFailure(err);
    }
    if (res.status < 200 || res.status >= 300) throw errorFromResponse(res, key.jobId);
    try {
      return parseGetStatus(res.body, key);
    } catch (err) {
      if (err instanceof MalformedBodyError) throw malformedSuccess(err, successRequestId(res.body) ?? headerRequestId(res));
      throw err;
    }
  }

  async function fetchJob(key: ImportExportKey, opts: { signal?: AbortSignal } = {}): Promise<ImportExportJobRecord> {
    const started = now();
    let credentials: SigV4Credentials;
    try {
      credentials = await client.resolveCredentials();
    } catch (err) {
      throw credentialsFailure(err);
    }
    return retryUpstream(
      async (timeoutMs) => {
        try {
          return await attempt(key, credentials, timeoutMs, opts.signal);
        } catch (err) {
          throw err instanceof UpstreamError ? err : transportFailure(err);
        }
      },
      retryPolicy,
      opts.signal,
      // The budget includes resolving credentials.
      started,
    );
  }

  return {
    provider: 'AWS_IMPORT_EXPORT',
    fetchJob,
    close: () => client.close(),
  };
}
