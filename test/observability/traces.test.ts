import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, trace } from '@opentelemetry/api';
import { startTracing } from '../../src/observability/tracing.ts';
import { scrubSecrets } from '../../src/auth/secretValues.ts';
import { DEMO_AWS_CREDENTIALS, DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { EXAMPLE_GLOBAL_ID as COS_EXAMPLE } from '@jobgraph/emulators/cosbatch/data';
import { EXAMPLE_GLOBAL_ID as CODEPIPELINE_EXAMPLE } from '@jobgraph/emulators/codepipeline/data';
import { EXAMPLE_GLOBAL_ID as IMPORTEXPORT_EXAMPLE } from '@jobgraph/emulators/importexport/data';
import { EXAMPLE_GLOBAL_ID as OMICS_EXAMPLE } from '@jobgraph/emulators/omics/data';
import {
  ERROR_CASE_GLOBAL_IDS as PANORAMA_ERRORS,
  EXAMPLE_GLOBAL_ID as PANORAMA_EXAMPLE,
} from '@jobgraph/emulators/panorama/data';
import { freshCopies, gql, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { OtlpReceiver, attrs, spansOf, useTracedGateway } from './otlp.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN_ID = '00f067aa0ba902b7';

describe('OpenTelemetry traces over OTLP/HTTP (http/json)', () => {
  const { receiver, gw } = useTracedGateway();

  it('exports an operation span continuing the caller traceparent, a span per loader batch and one per upstream attempt, with no secret in any attribute', async () => {
    const res = await gql(gw, `query Dashboard($ids: [ID!]!) { jobs(ids: $ids) { id state } }`, {
      variables: { ids: [PANORAMA_EXAMPLE, PANORAMA_ERRORS.notFound, COS_EXAMPLE] },
      token: gw.tokens.secrets,
      headers: { traceparent: `00-${TRACE_ID}-${PARENT_SPAN_ID}-01` },
    });
    expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
    await gw.observability!.tracing!.forceFlush();
    const spans = spansOf(receiver);
    expect(receiver.posts.every((p) => p.contentType.startsWith('application/json'))).toBe(true);

    const operation = spans.filter((s) => s.name === 'query Dashboard');
    expect(operation).toHaveLength(1);
    const op = operation[0]!;
    expect(op.traceId).toBe(TRACE_ID);
    expect(op.parentSpanId).toBe(PARENT_SPAN_ID);
    expect(attrs(op)).toMatchObject({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'Dashboard',
      'http.response.status_code': 200,
    });

    const batches = spans.filter((s) => s.name.startsWith('jobgraph.batch '));
    expect(batches.map((s) => s.name).sort()).toEqual([
      'jobgraph.batch AWS_PANORAMA',
      'jobgraph.batch TENCENT_COS_BATCH',
    ]);
    for (const b of batches) expect(b.parentSpanId).toBe(op.spanId);
    expect(
      attrs(batches.find((b) => b.name.endsWith('AWS_PANORAMA'))!)['jobgraph.batch.size'],
    ).toBe(2);

    const attempts = spans.filter((s) => attrs(s)['rpc.method'] !== undefined);
    expect(attempts).toHaveLength(3);
    const panoramaBatch = batches.find((b) => b.name.endsWith('AWS_PANORAMA'))!;
    const panorama = attempts.filter((s) => attrs(s)['jobgraph.provider'] === 'AWS_PANORAMA');
    expect(panorama).toHaveLength(2);
    for (const s of panorama) {
      expect(s.traceId).toBe(TRACE_ID);
      expect(s.parentSpanId).toBe(panoramaBatch.spanId);
      expect(s.name).toBe('AWS_PANORAMA DescribePackageImportJob');
      expect(attrs(s)).toMatchObject({
        'cloud.region': 'us-east-1',
        'rpc.method': 'DescribePackageImportJob',
        'jobgraph.attempt': 1,
      });
      expect(typeof attrs(s)['jobgraph.upstream.request_id']).toBe('string');
    }
    expect(panorama.map((s) => attrs(s)['jobgraph.outcome']).sort()).toEqual(['NOT_FOUND', 'ok']);
    expect(
      attrs(panorama.find((s) => attrs(s)['jobgraph.outcome'] === 'NOT_FOUND')!)[
        'jobgraph.upstream.error_code'
      ],
    ).toBe('ResourceNotFoundException');
    const cos = attempts.find((s) => attrs(s)['jobgraph.provider'] === 'TENCENT_COS_BATCH')!;
    expect(attrs(cos)).toMatchObject({
      'rpc.method': 'DescribeJob',
      'jobgraph.attempt': 1,
      'jobgraph.outcome': 'ok',
    });

    // No token, secret value or signature in any attribute.
    const secrets = [
      gw.tokens.secrets,
      gw.config.auth.jwtSecret!,
      DEMO_AWS_CREDENTIALS.secretAccessKey,
      DEMO_TENCENT_CREDENTIALS.secretKey,
    ];
    for (const s of spans) {
      for (const [key, value] of Object.entries(attrs(s))) {
        if (typeof value !== 'string') continue;
        for (const secret of secrets) expect(value, key).not.toContain(secret);
        expect(scrubSecrets(value), key).toBe(value);
        expect(value, key).not.toMatch(/Signature=|q-signature|AWS4-HMAC-SHA256|Bearer /);
      }
    }
  });

  it("names every provider's upstream attempt with its provider, region and operation, Import/Export's too", async () => {
    receiver.posts.length = 0;
    // Fresh copies: a finished job the first test fetched would come from the cache.
    const ids = freshCopies(gw, [
      PANORAMA_EXAMPLE,
      OMICS_EXAMPLE,
      CODEPIPELINE_EXAMPLE,
      IMPORTEXPORT_EXAMPLE,
      COS_EXAMPLE,
    ]);
    const res = await gql(gw, `query Five($ids: [ID!]!) { jobs(ids: $ids) { id } }`, {
      variables: { ids },
      token: gw.tokens.read,
    });
    expect(res.body.errors).toBeUndefined();
    await gw.observability!.tracing!.forceFlush();
    const attempts = spansOf(receiver).filter(
      (s) => attrs(s)['jobgraph.provider'] !== undefined && !s.name.startsWith('jobgraph.'),
    );
    const seen = Object.fromEntries(
      attempts.map((s) => [
        attrs(s)['jobgraph.provider'],
        [attrs(s)['cloud.region'], attrs(s)['rpc.method']],
      ]),
    );
    expect(seen).toEqual({
      AWS_PANORAMA: ['us-east-1', 'DescribePackageImportJob'],
      AWS_OMICS: ['us-east-1', 'GetReferenceImportJob'],
      AWS_CODEPIPELINE: ['us-east-1', 'GetJobDetails'],
      AWS_IMPORT_EXPORT: ['us-east-1', 'GetStatus'],
      TENCENT_COS_BATCH: ['ap-guangzhou', 'DescribeJob'],
    });
  });

  it('starts a new trace when the caller sends no traceparent', async () => {
    receiver.posts.length = 0;
    await gql(gw, `query Other { __typename }`, { token: gw.tokens.read });
    await gw.observability!.tracing!.forceFlush();
    const op = spansOf(receiver).find((s) => s.name === 'query Other')!;
    expect(op.traceId).not.toBe(TRACE_ID);
    expect(op.parentSpanId ?? '').toBe('');
  });
});

describe('OpenTelemetry traces over OTLP/HTTP (http/protobuf, the default protocol)', () => {
  const receiver = new OtlpReceiver();
  let gw: TestGateway;
  beforeAll(async () => {
    await receiver.start();
    gw = await startTestGateway({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
    });
  });
  afterAll(async () => {
    await gw?.close();
    await receiver.close();
  });

  it('posts protobuf to the traces endpoint', async () => {
    await gql(gw, `query($id: ID!) { job(id: $id) { id } }`, {
      variables: { id: PANORAMA_EXAMPLE },
      token: gw.tokens.read,
    });
    await gw.observability!.tracing!.forceFlush();
    expect(receiver.posts.length).toBeGreaterThan(0);
    for (const p of receiver.posts) {
      expect(p.contentType).toBe('application/x-protobuf');
      expect(p.body.length).toBeGreaterThan(0);
    }
    // The provider operation travels as a protobuf string.
    expect(
      receiver.posts.some((p) => p.body.includes(Buffer.from('DescribePackageImportJob'))),
    ).toBe(true);
  });
});

describe("The process's context manager", () => {
  it('is registered again by a tracing start after other code disabled it, so spans still have parents', async () => {
    // What test/observability/spanSafety.test.ts does when it ends; unit files share one module
    // graph per fork, so a gateway started after it once lost every span's parent.
    context.disable();
    const receiver = new OtlpReceiver();
    await receiver.start();
    const tracing = await startTracing({
      exporter: 'otlp',
      protocol: 'http/json',
      url: `${receiver.url}/v1/traces`,
      headers: {},
      serviceName: 'context-test',
    });
    try {
      const parent = tracing.tracer.startSpan('parent');
      const seen = await context.with(trace.setSpan(context.active(), parent), async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return trace.getSpan(context.active())?.spanContext().spanId;
      });
      expect(seen).toBe(parent.spanContext().spanId);
      parent.end();
    } finally {
      await tracing.shutdown();
      await receiver.close();
    }
  });
});
