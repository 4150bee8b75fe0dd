import perfHooks from 'node:perf_hooks';
import { trace } from '@opentelemetry/api';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it, vi } from 'vitest';
import type { JobProvider } from '../../src/model/job.ts';
import { Observability, type Tracing } from '../../src/observability/index.ts';
import { EVENT_LOOP_RESOLUTION_MS, GatewayMetrics } from '../../src/observability/metrics.ts';
import { parseProm, sample } from './promText.ts';

/** The upstream metrics' names, as /metrics lists them. */
const UPSTREAM = [
  'jobgraph_upstream_requests_total',
  'jobgraph_upstream_request_duration_seconds',
  'jobgraph_upstream_retries_total',
];

/**
 * `jobgraph_<subject>_requests_total` (by `label` and outcome) and
 * `jobgraph_<subject>_request_duration_seconds` (by `label`), in a registry of their own, made as
 * prom-client's documentation makes them.
 */
function requestMetrics(
  subject: string,
  label: string,
  { requests, duration, buckets }: { requests: string; duration: string; buckets: number[] },
) {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    registers,
    requests: new Counter({
      name: `jobgraph_${subject}_requests_total`,
      help: requests,
      labelNames: [label, 'outcome'],
      registers,
    }),
    duration: new Histogram({
      name: `jobgraph_${subject}_request_duration_seconds`,
      help: duration,
      labelNames: [label],
      buckets,
      registers,
    }),
  };
}

/**
 * The upstream metrics made as prom-client's own documentation makes them, a label object per
 * call: the oracle the gateway's plain counts must read the same as, byte for byte.
 */
function oracle() {
  const { registry, registers, requests, duration } = requestMetrics('upstream', 'provider', {
    requests:
      'Upstream attempts (retries included), by provider and outcome (ok or the error code).',
    duration: 'Duration of one upstream attempt, in seconds.',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
  });
  const retries = new Counter({
    name: 'jobgraph_upstream_retries_total',
    help: 'Upstream attempts after the first of a job (retries), by provider.',
    labelNames: ['provider'],
    registers,
  });
  return {
    registry,
    attempt(provider: JobProvider, attempt: number, outcome: string, seconds: number) {
      requests.inc({ provider, outcome });
      duration.observe({ provider }, seconds);
      if (attempt > 1) retries.inc({ provider });
    },
  };
}

/** The text of the metrics `names` alone (default the upstream ones), in the order listed. */
async function upstreamText(registry: Registry, names = UPSTREAM): Promise<string> {
  const text = await registry.metrics();
  const blocks = text.split(/\n(?=# HELP )/);
  return blocks.filter((b) => names.some((name) => b.startsWith(`# HELP ${name} `))).join('\n');
}

/** N attempts of each outcome, over two providers, some of them retries, durations across the buckets. */
const ATTEMPTS: [JobProvider, number, string, number][] = [];
for (let i = 0; i < 7; i++) {
  ATTEMPTS.push(['AWS_PANORAMA', 1, 'ok', 0.004 * i]);
  ATTEMPTS.push(['TENCENT_COS_BATCH', 1, 'NOT_FOUND', 0.3 * i]);
  if (i % 2 === 0) ATTEMPTS.push(['AWS_PANORAMA', 2, 'UPSTREAM_THROTTLED', 2 + i]);
  if (i % 3 === 0) ATTEMPTS.push(['TENCENT_COS_BATCH', 3, 'ok', 0.05 * i]);
}

describe('The upstream attempt metrics', () => {
  it('read exactly as prom-client counting each attempt with its labels would, scrape after scrape', async () => {
    const metrics = new GatewayMetrics(() => []);
    const expected = oracle();
    // Nothing counted yet: no series, as a counter that was never incremented.
    expect(await upstreamText(metrics.registry)).toBe(await upstreamText(expected.registry));
    for (const [provider, attempt, outcome, seconds] of ATTEMPTS) {
      metrics.upstreamAttempt(provider, attempt, outcome, seconds);
      expected.attempt(provider, attempt, outcome, seconds);
    }
    const text = await upstreamText(metrics.registry);
    expect(text).toBe(await upstreamText(expected.registry));
    // A scrape reads the counts without changing them.
    expect(await upstreamText(metrics.registry)).toBe(text);

    const samples = parseProm(text);
    const count = (provider: string, outcome: string) =>
      sample(samples, 'jobgraph_upstream_requests_total', { provider, outcome });
    expect([
      count('AWS_PANORAMA', 'ok'),
      count('AWS_PANORAMA', 'UPSTREAM_THROTTLED'),
      count('TENCENT_COS_BATCH', 'NOT_FOUND'),
      count('TENCENT_COS_BATCH', 'ok'),
      sample(samples, 'jobgraph_upstream_retries_total', { provider: 'AWS_PANORAMA' }),
      sample(samples, 'jobgraph_upstream_retries_total', { provider: 'TENCENT_COS_BATCH' }),
      sample(samples, 'jobgraph_upstream_request_duration_seconds_count', {
        provider: 'AWS_PANORAMA',
      }),
    ]).toEqual([7, 4, 7, 3, 4, 3, 11]);

    // Counting goes on after a scrape.
    metrics.upstreamAttempt('AWS_PANORAMA', 1, 'ok', 0.02);
    expected.attempt('AWS_PANORAMA', 1, 'ok', 0.02);
    expect(await upstreamText(metrics.registry)).toBe(await upstreamText(expected.registry));
  });
});

/** The GraphQL request metrics as prom-client's documentation makes them: the oracle. */
function graphqlOracle() {
  const { registry, requests, duration } = requestMetrics('graphql', 'operation_type', {
    requests: 'GraphQL requests, by operation type and outcome (ok or the first error code).',
    duration:
      'Duration of a GraphQL request in the gateway (Apollo requestDidStart to willSendResponse), in seconds, by operation type.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  return {
    registry,
    request(operationType: string, outcome: string, seconds: number) {
      requests.inc({ operation_type: operationType, outcome });
      duration.observe({ operation_type: operationType }, seconds);
    },
  };
}

const GRAPHQL = ['jobgraph_graphql_requests_total', 'jobgraph_graphql_request_duration_seconds'];

describe('The GraphQL request metrics', () => {
  it('read as prom-client counting with labels would, the histogram child of each operation type bound once', async () => {
    const labels = vi.spyOn(Histogram.prototype, 'labels');
    try {
      const metrics = new GatewayMetrics(() => []);
      const expected = graphqlOracle();
      expect(await upstreamText(metrics.registry, GRAPHQL)).toBe(
        await upstreamText(expected.registry, GRAPHQL),
      );
      const requests: [string, string, number][] = [];
      for (let i = 0; i < 9; i++) {
        requests.push(['query', 'ok', 0.003 * i]);
        if (i % 2 === 0) requests.push(['mutation', 'BAD_USER_INPUT', 0.2 * i]);
        if (i % 3 === 0) requests.push(['unknown', 'UNAUTHENTICATED', 0]);
        if (i % 4 === 0) requests.push(['query', 'NOT_FOUND', 4 * i]);
      }
      labels.mockClear();
      for (const [operationType, outcome, seconds] of requests) {
        metrics.graphqlRequest(operationType, outcome);
        metrics.graphqlDuration(operationType, seconds);
        expected.request(operationType, outcome, seconds);
      }
      // The oracle binds nothing (a label object per call); the gateway binds one child per
      // operation type, once, however many requests it counts.
      expect(labels.mock.calls.map(([type]) => type)).toEqual(['query', 'mutation', 'unknown']);
      const text = await upstreamText(metrics.registry, GRAPHQL);
      expect(text).toBe(await upstreamText(expected.registry, GRAPHQL));
      expect(
        sample(parseProm(text), 'jobgraph_graphql_requests_total', {
          operation_type: 'query',
          outcome: 'ok',
        }),
      ).toBe(9);
      metrics.graphqlRequest('query', 'ok');
      metrics.graphqlDuration('query', 0.01);
      expected.request('query', 'ok', 0.01);
      expect(await upstreamText(metrics.registry, GRAPHQL)).toBe(
        await upstreamText(expected.registry, GRAPHQL),
      );
      expect(labels).toHaveBeenCalledTimes(3);
    } finally {
      labels.mockRestore();
    }
  });
});

describe("The attempt observer's request IDs", () => {
  it('are asked of the pipeline only when a trace span keeps them: metrics alone count outcomes', () => {
    const metrics = new GatewayMetrics(() => []);
    const tracing = { tracer: trace.getTracer('test') } as Tracing;
    expect(new Observability(metrics, undefined).readsRequestIds).toBe(false);
    expect(new Observability(undefined, tracing).readsRequestIds).toBe(true);
    expect(new Observability(metrics, tracing).readsRequestIds).toBe(true);
  });
});

describe("The default metrics' event-loop delay monitor", () => {
  it("samples every EVENT_LOOP_RESOLUTION_MS (100 ms), not prom-client's 10 ms: ten wake-ups a second, not a hundred", () => {
    const monitor = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    try {
      new GatewayMetrics(() => []);
      expect(monitor.mock.calls).toEqual([[{ resolution: EVENT_LOOP_RESOLUTION_MS }]]);
      expect(EVENT_LOOP_RESOLUTION_MS).toBe(100);
    } finally {
      monitor.mockRestore();
    }
  });
});
