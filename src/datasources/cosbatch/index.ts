import { MalformedBodyError } from '../../errors.ts';
import type { CosBatchKey } from '../../globalId.ts';
import { badResponse } from '../classify.ts';
import { DEFAULT_MAX_CLIENTS } from '../awsSdk.ts';
import { ClientPool, type PoolTimers } from '../clientPool.ts';
import { createAgents, destroyAgents } from '../http.ts';
import type { CosSourceOptions } from '../options.ts';
import { retryUpstream, type RetryPolicy } from '../retry.ts';
import type { JobSource } from '../types.ts';
import { CosBatchClient } from './client.ts';
import { cosRequestId, mapCosError, mapCosErrorResponse, notConfigured } from './errors.ts';
import { parseDescribeJobBody, type CosBatchJobRecord } from './parse.ts';

export { COSBATCH_STATE_MAP, COSBATCH_ARRAY_PATHS, parseDescribeJobBody, parseCosErrorBody } from './parse.ts';
export type {
  CosBatchJobRecord,
  CosBatchJobFailure,
  CosBatchManifest,
  CosBatchManifestLocation,
  CosBatchManifestSpec,
  CosBatchOperation,
  CosBatchPutObjectCopy,
  CosBatchGrant,
  CosBatchGrantee,
  CosBatchNewObjectMetadata,
  CosBatchInitiateRestoreObject,
  CosBatchPutObjectTagging,
  CosBatchProgressSummary,
  CosBatchReport,
  CosErrorEnvelope,
} from './parse.ts';
export { COSBATCH_NOT_FOUND_CODES, COSBATCH_TRANSIENT_CODES, mapCosErrorResponse } from './errors.ts';
export { CosBatchClient } from './client.ts';
export { signCosRequest, cosKeyTime, cosUrlEncode } from './signer.ts';

/** Total time one job may spend in attempts and backoff, in ms (DESIGN.md: no job waits more than 15 s). */
export const COSBATCH_RETRY_BUDGET_MS = 15_000;
/** Full-jitter backoff base and cap in ms. */
const BACKOFF_BASE_MS = 100;
const BACKOFF_CAP_MS = 5_000;

/** Test seams; production code passes none. */
export interface CosBatchSourceOverrides {
  /** Jitter source in [0, 1), default Math.random. */
  random?: () => number;
  /** Waits between attempts, default setTimeout. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Clock and timer of the regional client pool's idle sweep. */
  timers?: PoolTimers;
}

/**
 * Tencent COS Batch `DescribeJob` with a hand-made client (no Node SDK covers COS Batch):
 * COS `sha1` signature, one keep-alive client per region, per-attempt timeout
 * `options.timeoutMs`, up to `options.maxAttempts` attempts for throttling, 5xx and transport
 * faults with full-jitter backoff honouring Retry-After, 15 s in all. Throws UpstreamError only.
 */
export function createCosBatchSource(
  options: CosSourceOptions,
  overrides: CosBatchSourceOverrides = {},
): JobSource<'TENCENT_COS_BATCH', CosBatchJobRecord> {
  // One set of agents for every region and account (the host names the UIN), so the sockets
  // are bounded per provider; regional clients are bounded and closed when idle.
  const agents = createAgents(options.maxSockets);
  const clients = new ClientPool<CosBatchClient>({
    create: (region) => {
      if (!options.credentials) throw notConfigured('credentials');
      if (!options.appId) throw notConfigured('appId');
      return new CosBatchClient({
        region,
        credentials: options.credentials,
        appId: options.appId,
        timeoutMs: options.timeoutMs,
        maxSockets: options.maxSockets,
        agents,
        ...(options.endpoint !== undefined ? { endpoint: options.endpoint } : {}),
        ...(options.now ? { now: options.now } : {}),
      });
    },
    destroy: (client) => client.close(),
    max: options.maxClients ?? DEFAULT_MAX_CLIENTS,
    ...(overrides.timers ? { timers: overrides.timers } : {}),
  });
  // Every attempt runs with the client's full timeoutMs, so a retry starts only if all of it fits the budget.
  const retryPolicy: RetryPolicy = {
    maxAttempts: options.maxAttempts,
    budgetMs: COSBATCH_RETRY_BUDGET_MS,
    timeoutMs: options.timeoutMs,
    backoffBaseMs: BACKOFF_BASE_MS,
    backoffCapMs: BACKOFF_CAP_MS,
    ...(options.now ? { now: options.now } : {}),
    ...(overrides.random ? { random: overrides.random } : {}),
    ...(overrides.sleep ? { sleep: overrides.sleep } : {}),
  };

  function clientFor(region: string): CosBatchClient {
    return clients.get(region);
  }

  async function attempt(key: CosBatchKey, signal: AbortSignal | undefined): Promise<CosBatchJobRecord> {
    const client = clientFor(key.region);
    let result;
    try {
      result = await client.describeJob(key.uin, key.jobId, signal);
    } catch (err) {
      throw mapCosError(err);
    }
    if (result.status !== 200) throw mapCosErrorResponse(key, result);
    try {
      return parseDescribeJobBody(key, result.body);
    } catch (err) {
      // A 200 can still carry an <Error> envelope (Tencent "Error Codes" says so for PUT Object - Copy).
      if (/<Error>/.test(result.body)) throw mapCosErrorResponse(key, result);
      const malformed = err instanceof MalformedBodyError ? err : new MalformedBodyError('response could not be normalised');
      throw badResponse('TENCENT_COS_BATCH', malformed, cosRequestId(result));
    }
  }

  return {
    provider: 'TENCENT_COS_BATCH',
    fetchJob(key: CosBatchKey, opts?: { signal?: AbortSignal }): Promise<CosBatchJobRecord> {
      const signal = opts?.signal;
      return retryUpstream(async () => {
        try {
          return await attempt(key, signal);
        } catch (err) {
          throw mapCosError(err);
        }
      }, retryPolicy, signal);
    },
    close() {
      clients.close();
      destroyAgents(agents);
    },
    clientCount: () => clients.size,
  };
}
