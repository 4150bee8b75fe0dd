import { InternalError, MalformedBodyError } from '../../errors.ts';
import type { CosBatchKey } from '../../globalId.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../shared/bodyCap.ts';
import { badResponse, funnelError } from '../shared/classify.ts';
import { ClientPool, DEFAULT_MAX_CLIENTS } from '../shared/clientPool.ts';
import { createAgents, destroyAgents, type HttpResult } from '../shared/http.ts';
import { observeAttempt } from '../shared/attempts.ts';
import type { CosSourceOptions } from '../shared/options.ts';
import { handMadeRetryPolicy, retryUpstream } from '../shared/retry.ts';
import type { SourceSeams } from '../shared/seams.ts';
import type { JobSource } from '../shared/types.ts';
import { CosBatchClient } from './client.ts';
import { cosRequestId, notConfigured, toUpstreamError } from './errors.ts';
import { parse } from './parse.ts';
import type { CosBatchJobRecord } from './record.ts';

/**
 * Tencent COS Batch `DescribeJob` with a hand-made client (no Node SDK covers COS Batch):
 * COS `sha1` signature, one keep-alive client per region, retries by the hand-made clients'
 * one policy (`handMadeRetryPolicy`: up to `options.maxAttempts` attempts for throttling, 5xx
 * and transport faults, full-jitter backoff honouring Retry-After, all inside
 * `options.budgetMs`), bodies capped at `options.maxBodyBytes`. Throws UpstreamError, or
 * InternalError for jobgraph's own failures.
 */
export function createCosBatchSource(options: CosSourceOptions, seams: SourceSeams = {}): JobSource<'TENCENT_COS_BATCH', CosBatchJobRecord> {
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
        ...(seams.now ? { now: seams.now } : {}),
      });
    },
    destroy: (client) => client.close(),
    max: options.maxClients ?? DEFAULT_MAX_CLIENTS,
    ...(seams.timers ? { timers: seams.timers } : {}),
  });
  const retryPolicy = handMadeRetryPolicy(options, seams);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;

  function clientFor(region: string): CosBatchClient {
    return clients.get(region);
  }

  /** One attempt; every failure leaves through the funnel once, as an UpstreamError or InternalError. */
  async function attempt(
    key: CosBatchKey,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    noteSuccess: (requestId: string | null, httpStatus: number | null) => void,
  ): Promise<CosBatchJobRecord> {
    let result: HttpResult;
    try {
      result = await clientFor(key.region).describeJob(key, { timeoutMs, maxBodyBytes, ...(signal ? { signal } : {}) });
      if (result.status !== 200) throw toUpstreamError(key, result);
    } catch (err) {
      throw funnelError('TENCENT_COS_BATCH', err);
    }
    try {
      const record = parse(key, result.body);
      noteSuccess(cosRequestId(result), result.status);
      return record;
    } catch (err) {
      // Only a malformed body is the provider's; any other exception in the parse step is ours.
      if (!(err instanceof MalformedBodyError)) throw new InternalError('TENCENT_COS_BATCH', err);
      // A 200 can still carry an <Error> envelope (Tencent "Error Codes" says so for PUT Object - Copy).
      if (/<Error>/.test(result.body)) throw toUpstreamError(key, result);
      throw badResponse('TENCENT_COS_BATCH', err, cosRequestId(result));
    }
  }

  return {
    provider: 'TENCENT_COS_BATCH',
    fetchJob(key: CosBatchKey, opts?: { signal?: AbortSignal }): Promise<CosBatchJobRecord> {
      const signal = opts?.signal;
      return retryUpstream(
        (timeoutMs, n) =>
          observeAttempt(options.observer, { provider: 'TENCENT_COS_BATCH', region: key.region, operation: 'DescribeJob', attempt: n }, (noteSuccess) =>
            attempt(key, timeoutMs, signal, noteSuccess),
          ),
        retryPolicy,
        signal,
      );
    },
    close() {
      clients.close();
      destroyAgents(agents);
    },
    clientCount: () => clients.size,
  };
}
