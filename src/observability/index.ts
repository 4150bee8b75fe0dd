import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Config } from '../config/index.ts';
import type {
  AttemptObserver,
  UpstreamAttemptInfo,
  UpstreamAttemptResult,
} from '../datasources/shared/attempts.ts';
import type { LoaderObserver } from '../datasources/guard/loader.ts';
import type { RateObserver } from '../datasources/guard/rateBudget.ts';
import { providerOf } from '../datasources/registry.ts';
import type { JobProvider } from '../model/job.ts';
import { GatewayMetrics, type BreakerState } from './metrics.ts';
import { inSpan, safeSpan, scrubbingTracer, startTracing, type Tracing } from './tracing.ts';

export { GatewayMetrics } from './metrics.ts';
export type { Tracing } from './tracing.ts';

/**
 * A gateway's metrics and traces, and the hooks the datasources call: one per upstream attempt
 * (AttemptObserver), one per cache lookup and loader batch (LoaderObserver), one per turn of the
 * rate budget (RateObserver). Either half may be off (`metrics`, `tracing` undefined); with both
 * off the gateway passes no observer at all.
 */
export class Observability implements AttemptObserver, LoaderObserver, RateObserver {
  readonly metrics: GatewayMetrics | undefined;
  readonly tracing: Tracing | undefined;
  /** Only a trace span keeps a success's request ID; metrics count outcomes. */
  readonly readsRequestIds: boolean;

  constructor(metrics: GatewayMetrics | undefined, tracing: Tracing | undefined) {
    this.metrics = metrics;
    // Every span made through this object scrubs and bounds its texts, whoever built `tracing`.
    this.tracing = tracing && { ...tracing, tracer: scrubbingTracer(tracing.tracer) };
    this.readsRequestIds = tracing !== undefined;
  }

  start(info: UpstreamAttemptInfo): (result: UpstreamAttemptResult) => void {
    const started = performance.now();
    const span = this.tracing?.tracer.startSpan(`${info.provider} ${info.operation}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'jobgraph.provider': info.provider,
        'cloud.region': info.region,
        'rpc.system': providerOf(info.provider).rpcSystem,
        'rpc.method': info.operation,
        'jobgraph.attempt': info.attempt,
      },
    });
    return (result) => {
      this.metrics?.upstreamAttempt(
        info.provider,
        info.attempt,
        result.outcome,
        (performance.now() - started) / 1000,
      );
      if (span) endAttemptSpan(span, result);
    };
  }

  cacheLookup(result: 'hit' | 'miss'): void {
    this.metrics?.cacheLookup(result);
  }

  coalesced(provider: JobProvider): void {
    this.metrics?.coalesced(provider);
  }

  retainedAnswer(provider: JobProvider): void {
    this.metrics?.retainedAnswer(provider);
  }

  rateGranted(provider: JobProvider, waitedMs: number): void {
    this.metrics?.rateGranted(provider, waitedMs);
  }

  rateThrottled(provider: JobProvider): void {
    this.metrics?.rateThrottled(provider);
  }

  batch<T>(provider: JobProvider, size: number, run: () => Promise<T>): Promise<T> {
    if (!this.tracing) return run();
    return inSpan(
      this.tracing.tracer,
      `jobgraph.batch ${provider}`,
      { 'jobgraph.provider': provider, 'jobgraph.batch.size': size },
      () => run(),
    );
  }

  /** Export what is left of the traces and stop. */
  async close(): Promise<void> {
    await this.tracing?.shutdown();
  }
}

/**
 * The attempt's outcome on its span. The provider's error code and request ID are upstream text
 * (an upstream may echo anything, a secret jobgraph sent or learned included): like every span
 * text they are scrubbed and bounded by the span itself (`safeSpan`, tracing.ts).
 */
function endAttemptSpan(attemptSpan: Span, result: UpstreamAttemptResult): void {
  const span = safeSpan(attemptSpan);
  span.setAttribute('jobgraph.outcome', result.outcome);
  if (result.upstreamCode) span.setAttribute('jobgraph.upstream.error_code', result.upstreamCode);
  if (result.requestId) span.setAttribute('jobgraph.upstream.request_id', result.requestId);
  if (result.httpStatus !== null) span.setAttribute('http.response.status_code', result.httpStatus);
  if (result.outcome !== 'ok')
    span.setStatus({ code: SpanStatusCode.ERROR, message: result.outcome });
  span.end();
}

/**
 * The observability `config` asks for: metrics unless JOBGRAPH_METRICS=off, traces when the
 * OTEL_* variables turn them on. `breakers` lists the circuit states when /metrics is read.
 */
export async function createObservability(
  config: Config,
  breakers: () => BreakerState[],
): Promise<Observability | undefined> {
  const metrics = config.metrics ? new GatewayMetrics(breakers) : undefined;
  const tracing = config.tracing ? await startTracing(config.tracing) : undefined;
  return metrics || tracing ? new Observability(metrics, tracing) : undefined;
}
