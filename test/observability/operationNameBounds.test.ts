import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { createLogger, fixedFieldsLogger } from '../../src/logger.ts';
import { CUT_MARK, MAX_OPERATION_NAME_LENGTH } from '../../src/observability/bounded.ts';
import { LogCapture, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { OtlpReceiver, attrs, spanTexts, spansOf } from './otlp.ts';

/**
 * A caller-chosen operation name is unbounded (a 200 KB name is a valid GraphQL name): it must
 * not become a 200 KB log line, span name or attribute, nor an unbounded set of span names. The
 * gateway answers, and writes at most MAX_OPERATION_NAME_LENGTH characters of it, then CUT_MARK.
 */

/** A valid GraphQL name of 200 KB whose every 129-character window is distinct from the kept prefix. */
const HUGE =
  `Huge_${Array.from({ length: 21_000 }, (_, i) => `n${i.toString(36).padStart(8, '0')}_`).join('')}`.slice(
    0,
    200 * 1024,
  );
const KEPT = `${HUGE.slice(0, MAX_OPERATION_NAME_LENGTH)}${CUT_MARK}`;
/** Longest log line allowed: the per-operation line is a few hundred bytes. */
const MAX_LINE = 4096;

describe('A 200 KB operation name', () => {
  const receiver = new OtlpReceiver();
  let gw: TestGateway;
  beforeAll(async () => {
    expect(HUGE).toHaveLength(200 * 1024);
    expect(HUGE).toMatch(/^[_A-Za-z][_0-9A-Za-z]*$/);
    await receiver.start();
    gw = await startTestGateway({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    });
  });
  afterAll(async () => {
    await gw?.close();
    await receiver.close();
  });

  // Every body runs through Apollo's pipeline (a direct path for known operations once bypassed it,
  // hence the case names): with and without an `extensions` member; a job query makes child spans.
  const cases: [string, Record<string, unknown>][] = [
    ['the direct path', { query: `query ${HUGE} { __typename }`, operationName: HUGE }],
    ['Apollo', { query: `query ${HUGE} { __typename }`, operationName: HUGE, extensions: {} }],
    [
      'a job query',
      {
        query: `query ${HUGE}($id: ID!) { job(id: $id) { id } }`,
        variables: { id: exampleGlobalIds().panorama },
      },
    ],
  ];

  it.each(cases)(
    'through %s: answered; the log line, span name and attributes carry at most 128 characters of it',
    async (_label, body) => {
      await gw.observability!.tracing!.forceFlush();
      receiver.posts.length = 0;
      const before = gw.logs.lines.length;
      const res = await fetch(gw.server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${gw.tokens.read}` },
        body: JSON.stringify(body),
      });
      const answer = (await res.json()) as { data?: Record<string, unknown>; errors?: unknown[] };
      expect(res.status).toBe(200);
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toBeTruthy();

      // The log: one line for the operation, with the cut name; no line is long.
      const lines = gw.logs.lines.slice(before);
      const operation = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.msg === 'graphql request');
      expect(operation).toHaveLength(1);
      expect(operation[0]!.operationName).toBe(KEPT);
      for (const line of lines) {
        expect(line.length).toBeLessThanOrEqual(MAX_LINE);
        expect(line).not.toContain(HUGE.slice(0, MAX_OPERATION_NAME_LENGTH + 1));
      }

      // The spans: the operation span is `query <cut name>`, so is its attribute; no text holds more of the name.
      await gw.observability!.tracing!.forceFlush();
      const spans = spansOf(receiver);
      const op = spans.filter((s) => attrs(s)['graphql.operation.type'] === 'query');
      expect(op).toHaveLength(1);
      expect(op[0]!.name).toBe(`query ${KEPT}`);
      expect(attrs(op[0]!)['graphql.operation.name']).toBe(KEPT);
      for (const span of spans) {
        for (const { where, text } of spanTexts(span)) {
          expect(text.length, where).toBeLessThanOrEqual(`query ${KEPT}`.length);
          expect(text, where).not.toContain(HUGE.slice(0, MAX_OPERATION_NAME_LENGTH + 1));
        }
      }
      const exported = receiver.posts.map((p) => p.body.toString('utf8')).join('\n');
      expect(exported.length).toBeLessThan(64 * 1024);
    },
  );

  it('is never a metric label', async () => {
    const text = await (await fetch(new URL('/metrics', gw.server.url))).text();
    expect(text).not.toContain(HUGE.slice(0, 16));
    expect(text).toContain('jobgraph_graphql_requests_total{operation_type="query",outcome="ok"}');
  });
});

describe('The logger', () => {
  it('bounds an `operationName` field in every line, the fixed-fields logger and children included', () => {
    const logs = new LogCapture();
    const logger = createLogger('info', [], logs);
    logger.info({ operationName: HUGE }, 'graphql request');
    fixedFieldsLogger(logger).info(
      { requestId: 'r', operationName: HUGE, errorCodes: [] },
      'graphql request',
    );
    logger.child({ component: 'x' }).warn({ operationName: HUGE }, 'other');
    logger.info({ operationName: 'Short' }, 'graphql request');
    logger.info({ operationName: null }, 'graphql request');
    expect(
      logs.lines.map((l) => (JSON.parse(l) as { operationName: unknown }).operationName),
    ).toEqual([KEPT, KEPT, KEPT, 'Short', null]);
    for (const line of logs.lines) expect(line.length).toBeLessThanOrEqual(MAX_LINE);
  });
});
