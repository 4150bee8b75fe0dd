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
    started.info({ requestId: `req-${SECRET}` }, 'subscription started');
    logger.info(
      { transport: 'sse', mode: 'single', authenticated: true, requestId: `req-${SECRET}` },
      'subscription started',
    );
    const [viaBound, viaFull] = logs.lines.map((l) => ({
      ...(JSON.parse(l) as Record<string, unknown>),
      time: null,
    }));
    expect(viaBound).toEqual(viaFull);
    expect(viaBound).toMatchObject({ requestId: 'req-[REDACTED]', transport: 'sse' });
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
