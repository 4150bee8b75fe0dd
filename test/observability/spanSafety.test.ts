import { SpanKind, SpanStatusCode, context, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REDACTED, scrubSecrets, secretValues } from '../../src/auth/secretValues.ts';
import {
  CUT_MARK,
  MAX_OPERATION_NAME_LENGTH,
  boundedOperationName,
  cutText,
} from '../../src/observability/bounded.ts';
import { nameOperationSpan, operationSpan } from '../../src/observability/graphqlPlugin.ts';
import { Observability } from '../../src/observability/index.ts';
import {
  MAX_SPAN_TEXT_LENGTH,
  inSpan,
  safeSpan,
  scrubbingTracer,
  type Tracing,
} from '../../src/observability/tracing.ts';
import {
  boundedOperationName as fromLogger,
  MAX_OPERATION_NAME_LENGTH as fromLoggerMax,
} from '../../src/logger.ts';

/**
 * Span texts at the span-making level: a real tracer provider with an in-memory exporter, and
 * jobgraph's span helpers. Every string set on a span, however it is set, passes the scrubber
 * of error extensions and log lines (`scrubSecrets`) and is bounded.
 */

/** A value the process learned at run time (as a record's secret or a verified token is learned); shaped like a GraphQL name. */
const LEARNED = `learnedSecret_${'k9'.repeat(8)}_value`;
/** Another, set as an array element, an event attribute, a link attribute… */
const LEARNED_2 = 'OTHER-LEARNED-VALUE-0042-not-public';

/** Every text of an exported span: name, attribute values (arrays too), events, links, status message. */
function textsOf(span: ReadableSpan): { where: string; text: string }[] {
  const of = (where: string, attributes: Attributes) =>
    Object.entries(attributes).flatMap(([key, value]) =>
      (Array.isArray(value) ? (value as unknown[]) : [value])
        .filter((v): v is string => typeof v === 'string')
        .map((text) => ({ where: `${where} ${key}`, text })),
    );
  return [
    { where: `${span.name}: name`, text: span.name },
    ...of(`${span.name}: attribute`, span.attributes),
    ...span.events.flatMap((e) => [
      { where: `${span.name}: event name`, text: e.name },
      ...of(`${span.name}: event ${e.name}`, e.attributes ?? {}),
    ]),
    ...span.links.flatMap((l) => of(`${span.name}: link`, l.attributes ?? {})),
    ...(span.status.message ? [{ where: `${span.name}: status`, text: span.status.message }] : []),
  ];
}

/** No text of any span holds a learned value, and each one is already as the scrubber leaves it. */
function expectNoSecret(spans: readonly ReadableSpan[]): void {
  expect(spans.length).toBeGreaterThan(0);
  for (const span of spans) {
    for (const { where, text } of textsOf(span)) {
      expect(text, where).not.toContain(LEARNED);
      expect(text, where).not.toContain(LEARNED_2);
      expect(text, where).not.toContain(LEARNED.slice(0, 12));
      expect(scrubSecrets(text), where).toBe(text);
      expect(text.length, where).toBeLessThanOrEqual(MAX_SPAN_TEXT_LENGTH + CUT_MARK.length);
    }
  }
}

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
/** The SDK's own tracer: what the helpers are given. */
const raw = provider.getTracer('test');

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  secretValues.learn(LEARNED);
  secretValues.learn(LEARNED_2);
  expect(secretValues.contains(LEARNED)).toBe(true);
});

afterAll(async () => {
  await provider.shutdown();
  context.disable();
});

beforeEach(() => exporter.reset());

describe('Span texts are scrubbed where they are set (scrubbingTracer / safeSpan)', () => {
  it('in every way a string reaches a span: start attributes and links, setAttribute(s), arrays, name, events, status, exceptions', () => {
    const tracer = scrubbingTracer(raw);
    const linked = raw.startSpan('linked');
    linked.end();
    const span = tracer.startSpan(`op ${LEARNED}`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'a.start': `id=${LEARNED}`,
        'a.number': 7,
        'a.bool': true,
        'a.list': ['ok', LEARNED_2],
      },
      links: [{ context: linked.spanContext(), attributes: { 'link.note': LEARNED } }],
    });
    span.setAttribute('jobgraph.upstream.request_id', LEARNED);
    span.setAttribute('jobgraph.upstream.error_code', LEARNED_2);
    span.setAttribute('a.list2', [LEARNED, null, 'plain']);
    span.setAttributes({ 'a.many': `x ${LEARNED_2} y`, 'a.count': 3 });
    span.addEvent(`event ${LEARNED}`, { 'e.attr': LEARNED_2 });
    span.addEvent('timed', Date.now());
    span.addLink({ context: linked.spanContext(), attributes: { 'link.late': LEARNED_2 } });
    span.addLinks([{ context: linked.spanContext(), attributes: { 'link.later': [LEARNED] } }]);
    span.recordException(new Error(`cannot parse ${LEARNED}`));
    span.recordException(`thrown string ${LEARNED_2}`);
    span.recordException({
      name: `Named${LEARNED}`,
      code: LEARNED_2,
      message: 'm',
      stack: `at ${LEARNED}`,
    });
    span.setStatus({ code: SpanStatusCode.ERROR, message: `failed with ${LEARNED}` });
    span.updateName(`renamed ${LEARNED}`);
    span.end();

    const spans = exporter.getFinishedSpans();
    expectNoSecret(spans);
    const done = spans.find((s) => s.name.startsWith('renamed'))!;
    expect(done.name).toBe(`renamed ${REDACTED}`);
    expect(done.kind).toBe(SpanKind.CLIENT);
    expect(done.attributes).toMatchObject({
      'a.start': `id=${REDACTED}`,
      'a.number': 7,
      'a.bool': true,
      'a.list': ['ok', REDACTED],
      'jobgraph.upstream.request_id': REDACTED,
      'jobgraph.upstream.error_code': REDACTED,
      'a.list2': [REDACTED, null, 'plain'],
      'a.many': `x ${REDACTED} y`,
      'a.count': 3,
    });
    expect(done.events.map((e) => e.name)).toEqual([
      `event ${REDACTED}`,
      'timed',
      'exception',
      'exception',
      'exception',
    ]);
    expect(done.events[0]!.attributes).toEqual({ 'e.attr': REDACTED });
    expect(done.events[2]!.attributes).toMatchObject({
      'exception.type': 'Error',
      'exception.message': `cannot parse ${REDACTED}`,
    });
    expect(done.events[3]!.attributes).toMatchObject({
      'exception.message': `thrown string ${REDACTED}`,
    });
    expect(done.links.map((l) => l.attributes)).toEqual([
      { 'link.note': REDACTED },
      { 'link.late': REDACTED },
      { 'link.later': [REDACTED] },
    ]);
    expect(done.status).toEqual({ code: SpanStatusCode.ERROR, message: `failed with ${REDACTED}` });
  });

  it('in startActiveSpan (each overload), whose active span is the scrubbing one', () => {
    const tracer = scrubbingTracer(raw);
    tracer.startActiveSpan(`a ${LEARNED}`, (span) => {
      expect(trace.getActiveSpan()).toBe(span);
      trace.getActiveSpan()!.setAttribute('via.active', LEARNED);
      span.end();
    });
    tracer.startActiveSpan('b', { attributes: { 'b.attr': LEARNED } }, (span) => span.end());
    const parent = raw.startSpan('parent');
    tracer.startActiveSpan(
      'c',
      { attributes: { 'c.attr': LEARNED_2 } },
      trace.setSpan(context.active(), parent),
      (span) => {
        span.setAttribute('c.more', LEARNED);
        span.end();
      },
    );
    parent.end();
    const spans = exporter.getFinishedSpans();
    expectNoSecret(spans);
    expect(spans.map((s) => s.name).sort()).toEqual([`a ${REDACTED}`, 'b', 'c', 'parent']);
    expect(spans.find((s) => s.name === 'c')!.parentSpanContext?.spanId).toBe(
      parent.spanContext().spanId,
    );
    expect(spans.find((s) => s.name === `a ${REDACTED}`)!.attributes['via.active']).toBe(REDACTED);
  });

  it('in inSpan given the SDK tracer, and a span taken from a context (safeSpan, operationSpan)', async () => {
    await inSpan(
      raw,
      `batch ${LEARNED}`,
      { 'jobgraph.provider': LEARNED_2, size: 2 },
      async (span) => {
        span.setAttribute('later', LEARNED);
        // What the GraphQL plugin does with the active span.
        const observability = new Observability(undefined, { tracer: raw } as Tracing);
        const active = operationSpan(observability)!;
        active.setAttribute('active', LEARNED_2);
        nameOperationSpan(active, 'query', `Op${LEARNED}`);
      },
    );
    const plain = raw.startSpan('plain');
    const wrapped = safeSpan(plain);
    expect(safeSpan(wrapped)).toBe(wrapped);
    wrapped.setAttribute('wrapped', LEARNED);
    plain.end();
    const spans = exporter.getFinishedSpans();
    expectNoSecret(spans);
    const op = spans.find((s) => s.name.startsWith('query'))!;
    expect(op.name).toBe(`query Op${REDACTED}`);
    expect(op.attributes).toMatchObject({
      'jobgraph.provider': REDACTED,
      later: REDACTED,
      active: REDACTED,
      'graphql.operation.name': `Op${REDACTED}`,
    });
    expect(spans.find((s) => s.name === 'plain')!.attributes).toEqual({ wrapped: REDACTED });
  });

  it('for the upstream attempt span: a request ID and error code echoing a secret, on failure and on success', () => {
    const observability = new Observability(undefined, { tracer: raw } as Tracing);
    const info = {
      provider: 'AWS_PANORAMA',
      region: 'us-east-1',
      operation: 'DescribePackageImportJob',
      attempt: 1,
    } as const;
    observability.start(info)({
      outcome: 'UPSTREAM_BAD_RESPONSE',
      upstreamCode: LEARNED,
      requestId: LEARNED_2,
      httpStatus: 400,
    });
    observability.start({ ...info, attempt: 2 })({
      outcome: 'ok',
      upstreamCode: null,
      requestId: `req/${LEARNED}`,
      httpStatus: 200,
    });
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(2);
    expectNoSecret(spans);
    expect(spans[0]!.attributes).toMatchObject({
      'jobgraph.upstream.error_code': REDACTED,
      'jobgraph.upstream.request_id': REDACTED,
      'jobgraph.outcome': 'UPSTREAM_BAD_RESPONSE',
    });
    expect(spans[1]!.attributes).toMatchObject({
      'jobgraph.upstream.request_id': `req/${REDACTED}`,
      'jobgraph.outcome': 'ok',
    });
  });

  it('bounds every text: a 200 KB attribute is cut after scrubbing, so a secret across the cut leaves none of its characters', () => {
    const tracer = scrubbingTracer(raw);
    // The secret starts a few characters before the cut: cutting first would keep its first characters.
    const straddling = `${'a'.repeat(MAX_SPAN_TEXT_LENGTH - 10)}${LEARNED}${'b'.repeat(200_000)}`;
    const span = tracer.startSpan('x'.repeat(200_000), { attributes: { big: straddling } });
    span.setAttribute('list', ['y'.repeat(5000)]);
    span.end();
    const [done] = exporter.getFinishedSpans();
    expectNoSecret([done!]);
    expect(done!.name).toBe(`${'x'.repeat(MAX_SPAN_TEXT_LENGTH)}${CUT_MARK}`);
    expect(done!.attributes.big).toBe(
      `${'a'.repeat(MAX_SPAN_TEXT_LENGTH - 10)}${REDACTED}`.slice(0, MAX_SPAN_TEXT_LENGTH) +
        CUT_MARK,
    );
    expect((done!.attributes.list as string[])[0]).toHaveLength(MAX_SPAN_TEXT_LENGTH + 1);
  });
});

describe('boundedOperationName', () => {
  it('keeps a name of up to MAX_OPERATION_NAME_LENGTH (128) characters, and cuts a longer one, marking the cut', () => {
    expect(MAX_OPERATION_NAME_LENGTH).toBe(128);
    expect(boundedOperationName(null)).toBeNull();
    expect(boundedOperationName(undefined)).toBeNull();
    expect(boundedOperationName('')).toBe('');
    expect(boundedOperationName('Dashboard')).toBe('Dashboard');
    const exact = 'N'.repeat(128);
    expect(boundedOperationName(exact)).toBe(exact);
    expect(boundedOperationName(`${exact}x`)).toBe(`${exact}${CUT_MARK}`);
    expect(boundedOperationName('Q'.repeat(200 * 1024))).toBe(`${'Q'.repeat(128)}${CUT_MARK}`);
    // The logger exports the same helper and constant (server.ts logs through it).
    expect(fromLogger).toBe(boundedOperationName);
    expect(fromLoggerMax).toBe(MAX_OPERATION_NAME_LENGTH);
  });

  it('scrubs a long name before cutting it, so no part of a secret across the cut is kept', () => {
    const name = `Op${'_'.repeat(120)}${LEARNED}${'z'.repeat(1000)}`;
    const bounded = boundedOperationName(name)!;
    expect(bounded).toBe(`Op${'_'.repeat(120)}${REDACTED}`.slice(0, 128) + CUT_MARK);
    expect(bounded).not.toContain(LEARNED.slice(0, 4));
  });

  it('never cuts a surrogate pair in two', () => {
    const text = `${'a'.repeat(127)}😀tail`;
    expect(cutText(text, 128)).toBe(`${'a'.repeat(127)}${CUT_MARK}`);
    expect(cutText(text, 129)).toBe(`${'a'.repeat(127)}😀${CUT_MARK}`);
  });
});
