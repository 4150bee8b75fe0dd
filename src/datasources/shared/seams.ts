import type { HttpHandler } from '@smithy/protocol-http';
import type { PoolTimers } from './clientPool.ts';
import type { RetrySeams } from './retry.ts';

/**
 * Test seams of every `create<Provider>Source(options, seams)`, one shape for all five;
 * production code passes none. A provider uses the seams that apply to it: the SDK providers
 * (Panorama, Omics, CodePipeline) `requestHandler`; the hand-made clients (COS Batch,
 * Import/Export) `now` (also the signing clock), `random` and `sleep`; every regional pool `timers`.
 */
export interface SourceSeams extends RetrySeams {
  /** Replaces the keep-alive Node HTTP handler below every SDK client (protocol tests feed golden fixtures through it). */
  requestHandler?: HttpHandler;
  /** Timers of the regional client pool's idle sweep. */
  timers?: PoolTimers;
}
