import { describe, expect, it } from 'vitest';
import {
  ERROR_CASE_GLOBAL_IDS as COS_ERRORS,
  EXAMPLE_GLOBAL_ID as COS_EXAMPLE,
} from '@jobgraph/emulators/cosbatch/data';
import {
  DEMO_GLOBAL_IDS as PANORAMA_IDS,
  ERROR_CASE_GLOBAL_IDS as PANORAMA_ERRORS,
  EXAMPLE_GLOBAL_ID as PANORAMA_EXAMPLE,
} from '@jobgraph/emulators/panorama/data';
import { clearCalls, gql, upstreamCallCount, type TestGateway } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { subscribe, TRANSPORTS } from '../support/subscriptions.ts';
import { parseProm, sample, type Sample } from './promText.ts';

async function scrape(gw: TestGateway): Promise<Sample[]> {
  const res = await fetch(new URL('/metrics', gw.server.url));
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseProm(await res.text());
}

const JOBS = `query Dashboard($ids: [ID!]!) { jobs(ids: $ids) { id state } }`;

describe('Prometheus metrics at GET /metrics', () => {
  // Two attempts per job: a throttled job is tried twice (one retry), whatever the client.
  const gw = useTestGateway(
    { JOBGRAPH_UPSTREAM_MAX_ATTEMPTS: '2', JOBGRAPH_BREAKER_FAILURES: '2' },
    { bounds: { breakerHalfOpenMs: 600_000 } },
  );

  it('counts each upstream attempt by provider and outcome, the retries, their durations and the GraphQL request, after a mixed jobs query', async () => {
    const ids = [
      PANORAMA_EXAMPLE,
      PANORAMA_ERRORS.notFound,
      PANORAMA_ERRORS.throttled,
      COS_EXAMPLE,
      COS_ERRORS.throttled,
    ];
    const res = await gql(gw, JOBS, { variables: { ids }, token: gw.tokens.read });
    expect(res.body.errors?.map((e) => e.extensions?.code).sort()).toEqual([
      'NOT_FOUND',
      'UPSTREAM_THROTTLED',
      'UPSTREAM_THROTTLED',
    ]);

    const m = await scrape(gw);
    const requests = m.filter((s) => s.name === 'jobgraph_upstream_requests_total');
    const byLabel = (s: { labels: Record<string, string> }) =>
      `${s.labels.provider} ${s.labels.outcome}`;
    expect(
      requests
        .sort((a, b) => (byLabel(a) < byLabel(b) ? -1 : 1))
        .map((s) => ({ ...s.labels, value: s.value })),
    ).toEqual([
      { provider: 'AWS_PANORAMA', outcome: 'NOT_FOUND', value: 1 },
      { provider: 'AWS_PANORAMA', outcome: 'UPSTREAM_THROTTLED', value: 2 },
      { provider: 'AWS_PANORAMA', outcome: 'ok', value: 1 },
      { provider: 'TENCENT_COS_BATCH', outcome: 'UPSTREAM_THROTTLED', value: 2 },
      { provider: 'TENCENT_COS_BATCH', outcome: 'ok', value: 1 },
    ]);
    expect(sample(m, 'jobgraph_upstream_retries_total', { provider: 'AWS_PANORAMA' })).toBe(1);
    expect(sample(m, 'jobgraph_upstream_retries_total', { provider: 'TENCENT_COS_BATCH' })).toBe(1);
    expect(
      sample(m, 'jobgraph_upstream_request_duration_seconds_count', { provider: 'AWS_PANORAMA' }),
    ).toBe(4);
    expect(
      sample(m, 'jobgraph_upstream_request_duration_seconds_count', {
        provider: 'TENCENT_COS_BATCH',
      }),
    ).toBe(3);
    expect(
      sample(m, 'jobgraph_upstream_request_duration_seconds_bucket', {
        provider: 'AWS_PANORAMA',
        le: '+Inf',
      }),
    ).toBe(4);
    // One request, one sample: its outcome is the first error's code.
    const graphql = m.filter((s) => s.name === 'jobgraph_graphql_requests_total');
    expect(graphql).toHaveLength(1);
    expect(graphql[0]!.labels.operation_type).toBe('query');
    expect(['NOT_FOUND', 'UPSTREAM_THROTTLED']).toContain(graphql[0]!.labels.outcome);
    expect(graphql[0]!.value).toBe(1);

    // Default process metrics, on this gateway's own registry.
    expect(sample(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(m.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('counts a rejected token and a request without errors by outcome', async () => {
    const before = await scrape(gw);
    const ok = await gql(gw, `{ __typename }`, { token: gw.tokens.read });
    expect(ok.status).toBe(200);
    const bad = await gql(gw, `{ __typename }`, { token: 'not-a-token' });
    expect(bad.status).toBe(401);
    const after = await scrape(gw);
    const delta = (labels: Record<string, string>) =>
      (sample(after, 'jobgraph_graphql_requests_total', labels) ?? 0) -
      (sample(before, 'jobgraph_graphql_requests_total', labels) ?? 0);
    expect(delta({ operation_type: 'query', outcome: 'ok' })).toBe(1);
    expect(delta({ operation_type: 'unknown', outcome: 'UNAUTHENTICATED' })).toBe(1);
  });

  it('shows an open breaker as 1 for its provider and region, and a closed one as 0', async () => {
    gw.emulators.panorama.setFaults({ errorRate: 1, jobPrefix: 'eu-west-1/' });
    try {
      for (const i of [0, 1])
        await gql(gw, `query($id: ID!) { job(id: $id) { id } }`, {
          variables: { id: `panorama:eu-west-1:pkgimport-metrics${i}` },
          token: gw.tokens.read,
        });
    } finally {
      gw.emulators.panorama.resetFaults();
    }
    const m = await scrape(gw);
    expect(
      sample(m, 'jobgraph_breaker_open', {
        provider: 'AWS_PANORAMA',
        account: 'default',
        region: 'eu-west-1',
      }),
    ).toBe(1);
    expect(
      sample(m, 'jobgraph_breaker_open', {
        provider: 'AWS_PANORAMA',
        account: 'default',
        region: 'us-east-1',
      }),
    ).toBe(0);
    expect(
      sample(m, 'jobgraph_upstream_requests_total', {
        provider: 'AWS_PANORAMA',
        outcome: 'UPSTREAM_UNAVAILABLE',
      }),
    ).toBeGreaterThanOrEqual(2);
  });
});

describe('The GraphQL request duration histogram', () => {
  const gw = useTestGateway();

  it('observes each request by operation type, unknown when the operation did not resolve', async () => {
    expect((await gql(gw, `{ __typename }`, { token: gw.tokens.read })).status).toBe(200);
    expect(
      (await gql(gw, `query { __typename`, { token: gw.tokens.read })).body.errors?.[0]?.extensions
        ?.code,
    ).toBe('GRAPHQL_PARSE_FAILED');
    const m = await scrape(gw);
    const name = 'jobgraph_graphql_request_duration_seconds';
    expect(sample(m, `${name}_count`, { operation_type: 'query' })).toBe(1);
    expect(sample(m, `${name}_bucket`, { operation_type: 'query', le: '+Inf' })).toBe(1);
    expect(sample(m, `${name}_bucket`, { operation_type: 'query', le: '10' })).toBe(1);
    expect(sample(m, `${name}_sum`, { operation_type: 'query' })).toBeGreaterThan(0);
    expect(sample(m, `${name}_count`, { operation_type: 'unknown' })).toBe(1);
    expect(
      m
        .filter((s) => s.name === `${name}_bucket` && s.labels.operation_type === 'query')
        .map((s) => s.labels.le),
    ).toEqual([
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '+Inf',
    ]);
  });
});

describe.each(TRANSPORTS)('The subscription gauges, over %s', (transport) => {
  // A clock driven by hand: the running job's poller stays, and nothing completes the stream.
  const gw = useTestGateway({}, { watchScheduler: new ManualScheduler() });

  const gauges = async () => {
    const m = await scrape(gw);
    return {
      open: sample(m, 'jobgraph_subscriptions_open'),
      pollers: sample(m, 'jobgraph_watch_pollers'),
    };
  };

  it('shows an open subscription and its poller while it is open, and 0 once it closed', async () => {
    expect(await gauges()).toEqual({ open: 0, pollers: 0 });
    const sub = subscribe(
      gw.server.url,
      transport,
      'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }',
      {
        token: gw.tokens.read,
        variables: { ids: ['importexport:PNDG1'] },
      },
    );
    try {
      expect(await sub.next()).toMatchObject({
        data: { jobUpdates: { id: 'importexport:PNDG1' } },
      });
      await expect.poll(gauges).toEqual({ open: 1, pollers: 1 });
    } finally {
      await sub.close();
    }
    await expect.poll(gauges).toEqual({ open: 0, pollers: 0 });
  });
});

describe('The job cache metric', () => {
  const gw = useTestGateway({ JOBGRAPH_CACHE_MAX_ENTRIES: '1000' });

  it('counts a miss for each job asked the first time and a hit for each finished job answered from the cache', async () => {
    const ids = PANORAMA_IDS.slice(0, 5);
    await gql(gw, JOBS, { variables: { ids }, token: gw.tokens.read });
    let m = await scrape(gw);
    expect(sample(m, 'jobgraph_job_cache_requests_total', { result: 'miss' })).toBe(ids.length);
    expect(sample(m, 'jobgraph_job_cache_requests_total', { result: 'hit' })).toBeUndefined();

    clearCalls(gw);
    await gql(gw, JOBS, { variables: { ids }, token: gw.tokens.read });
    const asked = upstreamCallCount(gw);
    expect(asked).toBeLessThan(ids.length);
    m = await scrape(gw);
    expect(sample(m, 'jobgraph_job_cache_requests_total', { result: 'hit' })).toBe(
      ids.length - asked,
    );
    expect(sample(m, 'jobgraph_job_cache_requests_total', { result: 'miss' })).toBe(
      ids.length + asked,
    );
  });
});

describe('JOBGRAPH_METRICS=off', () => {
  const gw = useTestGateway({ JOBGRAPH_METRICS: 'off' });

  it('answers GET /metrics 404', async () => {
    const res = await fetch(new URL('/metrics', gw.server.url));
    expect(res.status).toBe(404);
    expect(gw.observability).toBeUndefined();
  });
});
