import { describe, expect, it } from 'vitest';
import { SENSITIVE_HEADERS, createLogger, fixedFieldsLogger } from '../src/logger.ts';
import { buildSchema } from '../src/schema.ts';
import { startedLog } from '../src/subscriptions/transportCommon.ts';
import { LogCapture } from './support/gateway.ts';

const { policy } = buildSchema();
const sensitiveNames = [...new Set(policy.sensitiveFields.map((f) => f.field))];

function capture() {
  const logs = new LogCapture();
  const logger = createLogger('info', sensitiveNames, logs);
  const last = () => JSON.parse(logs.lines.at(-1) as string) as Record<string, any>;
  return { logger, logs, last };
}

const SECRET = 'S3CR3T-VALUE';

describe('The logger', () => {
  it('writes one JSON line with level, ISO time, service and the request ID', () => {
    const { logger, logs, last } = capture();
    logger.info({ requestId: 'req-1' }, 'graphql request');
    expect(logs.lines).toHaveLength(1);
    expect(last()).toMatchObject({
      level: 30,
      service: 'jobgraph',
      requestId: 'req-1',
      msg: 'graphql request',
    });
    expect(last().time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('writes the per-operation line without name redaction the same as with it, still scrubbing secret values', () => {
    const logs = new LogCapture();
    const logger = createLogger('info', sensitiveNames, logs, (line) =>
      line.replaceAll(SECRET, '[REDACTED]'),
    );
    const line = {
      requestId: 'req-2',
      operationName: `Op${SECRET}`,
      authenticated: true,
      durationMs: 1.5,
      errorCodes: ['BAD_USER_INPUT'],
    };
    logger.info(line, 'graphql request');
    fixedFieldsLogger(logger).info(line, 'graphql request');
    const [viaFull, viaFixed] = logs.lines.map((l) => ({
      ...(JSON.parse(l) as Record<string, unknown>),
      time: null,
    }));
    expect(viaFixed).toEqual(viaFull);
    expect(viaFixed).toMatchObject({
      level: 30,
      service: 'jobgraph',
      operationName: 'Op[REDACTED]',
      errorCodes: ['BAD_USER_INPUT'],
    });
    expect(logs.text()).not.toContain(SECRET);
  });

  it("writes a transport's subscription-started line from fields bound once, as the full logger would, still scrubbing secret values", () => {
    const logs = new LogCapture();
    const logger = createLogger('info', sensitiveNames, logs, (line) =>
      line.replaceAll(SECRET, '[REDACTED]'),
    );
    const started = startedLog(logger, { transport: 'sse', mode: 'single', authenticated: true });
    started.info({ requestId: 'req-3', client: `c-${SECRET}` }, 'subscription started');
    logger.info(
      {
        transport: 'sse',
        mode: 'single',
        authenticated: true,
        requestId: 'req-3',
        client: `c-${SECRET}`,
      },
      'subscription started',
    );
    const [viaBound, viaFull] = logs.lines.map((l) => ({
      ...(JSON.parse(l) as Record<string, unknown>),
      time: null,
    }));
    expect(viaBound).toEqual(viaFull);
    expect(viaBound).toMatchObject({
      requestId: 'req-3',
      client: 'c-[REDACTED]',
      transport: 'sse',
    });
    expect(logs.text()).not.toContain(SECRET);
  });

  it('redacts every credential header, lower-case or canonical, wherever a headers object sits', () => {
    const { logger, logs, last } = capture();
    const headers = Object.fromEntries(
      SENSITIVE_HEADERS.flatMap((h) => [
        [h, `${SECRET}-${h}`],
        [
          h.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase()),
          `${SECRET}-${h}-canonical`,
        ],
      ]),
    );
    expect(Object.keys(headers)).toEqual(
      expect.arrayContaining([
        'authorization',
        'Authorization',
        'x-amz-security-token',
        'X-Amz-Security-Token',
        'x-cos-security-token',
        'X-Cos-Security-Token',
        'cookie',
        'Cookie',
      ]),
    );
    logger.info(
      {
        headers: { ...headers, 'x-request-id': 'keep-me' },
        req: { headers },
        upstream: { response: { headers } },
      },
      'headers',
    );
    const line = last();
    for (const h of Object.keys(headers)) {
      expect(line.headers[h], h).toBe('[REDACTED]');
      expect(line.req.headers[h], `req ${h}`).toBe('[REDACTED]');
      expect(line.upstream.response.headers[h], `upstream ${h}`).toBe('[REDACTED]');
    }
    expect(line.headers['x-request-id']).toBe('keep-me');
    expect(logs.text()).not.toContain(SECRET);
  });

  it('redacts every sensitive field of the schema policy and the credential names, at the top and nested', () => {
    // The central list: CodePipeline credentials and configuration, Import/Export signatures, manifest and artifact URLs.
    expect(sensitiveNames).toEqual(
      expect.arrayContaining([
        'artifactCredentials',
        'actionConfiguration',
        'continuationToken',
        'signature',
        'signatureFileContents',
        'currentManifest',
        'url',
        'secretAccessKey',
        'sessionToken',
      ]),
    );
    const { logger, logs, last } = capture();
    const fields = Object.fromEntries(
      [...sensitiveNames, 'token', 'accessToken', 'secretKey', 'jwtSecret'].map((n) => [
        n,
        `${SECRET}-${n}`,
      ]),
    );
    logger.warn(
      { ...fields, job: { ...fields, id: 'codepipeline:us-east-1:x' }, data: { job: fields } },
      'fields',
    );
    const line = last();
    for (const n of Object.keys(fields)) {
      expect(line[n], n).toBe('[REDACTED]');
      expect(line.job[n], `job.${n}`).toBe('[REDACTED]');
      expect(line.data.job[n], `data.job.${n}`).toBe('[REDACTED]');
    }
    expect(line.job.id).toBe('codepipeline:us-east-1:x');
    expect(logs.text()).not.toContain(SECRET);
  });

  it('redacts headers of a raw response hanging off a logged error', () => {
    const { logger, logs, last } = capture();
    const err = Object.assign(new Error('upstream said no'), {
      $response: {
        statusCode: 403,
        headers: {
          authorization: `AWS4-HMAC-SHA256 Credential=${SECRET}`,
          'x-amz-security-token': SECRET,
        },
      },
    });
    logger.error({ err, requestId: 'req-2' }, 'upstream error');
    expect(last().err.$response.headers).toEqual({
      authorization: '[REDACTED]',
      'x-amz-security-token': '[REDACTED]',
    });
    expect(last().err.message).toBe('upstream said no');
    expect(logs.text()).not.toContain(SECRET);
  });
});

describe('The logger scrubs by field, not the finished line', () => {
  // A scrubber as hostile as a learned value could be: it rewrites JSON punctuation, the service's
  // name, a subject and the codes wherever it is applied.
  const hostile = (text: string) =>
    text
      .replaceAll('"', '[REDACTED]')
      .replaceAll('jobgraph', '[REDACTED]')
      .replaceAll('NOT_FOUND', '[REDACTED]')
      .replaceAll('user-7Qx2', '[REDACTED]')
      .replaceAll(SECRET, '[REDACTED]');

  it('scrubs only the strings of fields: keys, numbers, the JSON, and the fields jobgraph writes itself stay', () => {
    const logs = new LogCapture();
    const logger = createLogger('info', sensitiveNames, logs, hostile);
    const child = logger.child({ transport: `sse-${SECRET}` }).child({ mode: `m-${SECRET}` });
    child.info(
      {
        requestId: 'req-jobgraph-1',
        subject: 'user-7Qx2',
        code: 'NOT_FOUND',
        errorCodes: ['NOT_FOUND'],
        [`"jobgraph"`]: 1,
        detail: { note: `said "${SECRET}"`, list: [`a ${SECRET}`, 2, true, null], at: new Date(0) },
        url: new URL(`https://example.com/x?token=${SECRET}`),
      },
      'message with "%s" for %s',
      SECRET,
      'user-7Qx2',
    );
    fixedFieldsLogger(logger).warn({ operationName: `Op_${SECRET}`, durationMs: 1.5 }, 'op');
    logger.error({ err: new Error(`failed for "${SECRET}"`) }, 'internal error');
    expect(logs.lines).toHaveLength(3);
    const [first, second, third] = logs.lines.map((l) => JSON.parse(l) as Record<string, any>) as [
      Record<string, any>,
      Record<string, any>,
      Record<string, any>,
    ];
    expect(first).toMatchObject({
      service: 'jobgraph',
      level: 30,
      requestId: 'req-jobgraph-1',
      subject: 'user-7Qx2',
      code: 'NOT_FOUND',
      errorCodes: ['NOT_FOUND'],
      '"jobgraph"': 1,
      transport: 'sse-[REDACTED]',
      mode: 'm-[REDACTED]',
      msg: 'message with [REDACTED][REDACTED][REDACTED] for [REDACTED]',
    });
    expect(first.detail).toEqual({
      note: 'said [REDACTED][REDACTED][REDACTED]',
      list: ['a [REDACTED]', 2, true, null],
      at: '1970-01-01T00:00:00.000Z',
    });
    expect(second).toMatchObject({ service: 'jobgraph', operationName: 'Op_[REDACTED]' });
    expect(third.err.message).toBe('failed for [REDACTED][REDACTED][REDACTED]');
    expect(third.err.stack).toMatch(/^Error: failed for \[REDACTED\]/);
    expect(logs.text()).not.toContain(SECRET);
  });

  it('still scrubs secret shapes from the fields jobgraph writes itself', () => {
    const { logger, last } = capture();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz';
    logger.info({ requestId: jwt, subject: 'user-1' }, 'x');
    expect(last()).toMatchObject({ requestId: '[REDACTED]', subject: 'user-1' });
  });

  it('writes a value that holds itself [Circular], its strings scrubbed', () => {
    const logs = new LogCapture();
    const logger = createLogger('info', sensitiveNames, logs, hostile);
    const last = () => JSON.parse(logs.lines.at(-1) as string) as Record<string, any>;
    const loop: Record<string, unknown> = { note: SECRET };
    loop.self = loop;
    logger.info({ loop }, 'x');
    expect(last().loop).toEqual({ note: '[REDACTED]', self: '[Circular]' });
  });
});
