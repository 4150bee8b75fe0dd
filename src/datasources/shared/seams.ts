import type { HttpHandler } from '@smithy/protocol-http';
import type { PoolTimers } from './clientPool.ts';
import type { RetrySeams } from './retry.ts';

/**
 * Test seams of every `create<Provider>Source(options, seams)`, one shape for all five;
 * production code passes none; every provider goes through `createSource`, which reads them all.
 */
export interface SourceSeams extends RetrySeams {
  /**
   * Replaces the keep-alive HTTP transport of the pipeline (any provider) with an SDK-style request
   * handler: protocol tests feed golden fixtures through it, the same handler the real SDK
   * clients get in the oracle test.
   */
  requestHandler?: HttpHandler;
  /** Timers of the regional client pool's idle sweep. */
  timers?: PoolTimers;
}
