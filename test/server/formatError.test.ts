import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_DATA } from '@jobgraph/emulators';
import { loadConfig } from '../../src/config/index.ts';
import { closeSources, createSources, type Sources } from '../../src/datasources/index.ts';
import { PROVIDERS } from '../../src/datasources/registry.ts';
import { UpstreamError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import { createFormatError, startServer, type RunningServer } from '../../src/http/server.ts';
import { gql, LogCapture } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/** An internal message a client must never see: an upstream URL with a signature and an IAM role ARN. */
const LEAKY =
  'connect ECONNREFUSED https://control-storage-omics.us-east-1.amazonaws.com/referencestore/5038720581/importjob/8110394857?X-Amz-Signature=deadbeef as arn:aws:iam::123456789012:role/JobgraphRole';
const LEAK_PATTERNS = [
  /amazonaws\.com/,
  /https?:\/\//,
  /arn:aws/,
  /X-Amz/i,
  /ECONNREFUSED/,
  /stacktrace/,
  /\bat .+\.ts:\d+/,
];

function setup() {
  const logs = new LogCapture();
  const formatError = createFormatError(createLogger('info', [], logs));
  const logLines = () => logs.lines.map((l) => JSON.parse(l) as Record<string, any>);
  return { formatError, logLines };
}

/** What Apollo hands formatError for an error, with the stack it adds when told to (the worst case). */
function formattedOf(error: GraphQLError): GraphQLFormattedError {
  return {
    ...error.toJSON(),
    extensions: {
      code: 'INTERNAL_SERVER_ERROR',
      ...error.extensions,
      stacktrace: error.stack?.split('\n'),
    },
  };
}

describe('createFormatError', () => {
  it('turns an unexpected resolver exception into "Internal server error" with a logged correlation ID, leaking nothing', () => {
    const { formatError, logLines } = setup();
    const error = new GraphQLError(LEAKY, { originalError: new Error(LEAKY), path: ['job'] });
    const out = formatError(formattedOf(error), error);
    expect(out).toEqual({
      message: 'Internal server error',
      path: ['job'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId: expect.stringMatching(UUID) },
    });
    for (const p of LEAK_PATTERNS) expect(JSON.stringify(out)).not.toMatch(p);
    const [line] = logLines();
    expect(line).toMatchObject({
      level: 50,
      msg: 'internal error',
      correlationId: out.extensions?.correlationId,
      path: ['job'],
    });
    expect(line?.err.message).toBe(LEAKY); // the operator sees the cause, the client does not
  });

  it('masks an error that claims INTERNAL_SERVER_ERROR or an unknown code', () => {
    const { formatError } = setup();
    for (const code of ['INTERNAL_SERVER_ERROR', 'ECONNRESET', undefined]) {
      const error = new GraphQLError(LEAKY, { extensions: code ? { code } : {} });
      const out = formatError(formattedOf(error), error);
      expect(out.message, String(code)).toBe('Internal server error');
      expect(Object.keys(out.extensions ?? {}).sort()).toEqual(['code', 'correlationId']);
    }
  });

  it('keeps an upstream error with its provider, upstream code and request ID, and nothing else', () => {
    const { formatError, logLines } = setup();
    const upstream = new UpstreamError({
      provider: 'AWS_OMICS',
      code: 'UPSTREAM_THROTTLED',
      message: 'AWS HealthOmics throttled the request.',
      upstreamCode: 'ThrottlingException',
      upstreamRequestId: 'req-abc-123',
      httpStatus: 429,
      cause: { headers: { authorization: 'AWS4-HMAC-SHA256 Credential=AKIA...' }, body: LEAKY },
    });
    const error = new GraphQLError(upstream.message, {
      originalError: upstream,
      path: ['jobs', 2],
    });
    const out = formatError(formattedOf(error), error);
    expect(out).toEqual({
      message: 'AWS HealthOmics throttled the request.',
      path: ['jobs', 2],
      extensions: {
        code: 'UPSTREAM_THROTTLED',
        provider: 'AWS_OMICS',
        upstreamCode: 'ThrottlingException',
        upstreamRequestId: 'req-abc-123',
      },
    });
    expect(logLines()).toEqual([]);
  });

  it('keeps the message of an allow-listed code but only the code among its extensions', () => {
    const { formatError } = setup();
    for (const code of [
      'FORBIDDEN',
      'BAD_USER_INPUT',
      'GRAPHQL_VALIDATION_FAILED',
      'GRAPHQL_PARSE_FAILED',
      'BAD_REQUEST',
    ]) {
      const error = new GraphQLError(`message for ${code}`, { extensions: { code, debug: LEAKY } });
      expect(formatError(formattedOf(error), error)).toEqual({
        message: `message for ${code}`,
        extensions: { code },
      });
    }
  });
});

describe('The error surface over HTTP', () => {
  const typeDefs = `type Query { boom: String, throttled: String, fine: String }`;
  let server: RunningServer;
  let sources: Sources;
  const logs = new LogCapture();
  beforeAll(async () => {
    // The real server (plugins, formatError, request IDs) over a tiny schema whose resolvers fail on purpose.
    const config = loadConfig(
      { mode: 'live' },
      { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
    );
    sources = createSources(config);
    const schema = makeExecutableSchema({
      typeDefs,
      resolvers: {
        Query: {
          boom: () => {
            throw new Error(LEAKY);
          },
          throttled: () => {
            throw new UpstreamError({
              provider: 'AWS_CODEPIPELINE',
              code: 'UPSTREAM_THROTTLED',
              message: 'AWS CodePipeline throttled the request.',
              upstreamCode: 'ThrottlingException',
              upstreamRequestId: 'rid-1',
            });
          },
          fine: () => 'ok',
        },
      },
    });
    server = await startServer({
      config,
      sources,
      built: {
        schema,
        policy: { typeRules: new Map(), fieldRules: new Map(), sensitiveFields: [] },
      },
      logger: createLogger('info', [], logs),
    });
  });
  afterAll(async () => {
    await server?.close();
    if (sources) closeSources(sources);
  });

  it('answers an unexpected exception with a correlation ID that the log line carries with the request ID', async () => {
    const res = await gql({ server }, '{ boom throttled fine }', {
      headers: { 'x-request-id': 'req-boom-1' },
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ boom: null, throttled: null, fine: 'ok' });
    const [boom, throttled] = [...(res.body.errors ?? [])].sort((a, b) =>
      String(a.path).localeCompare(String(b.path)),
    );
    expect(boom).toEqual({
      message: 'Internal server error',
      locations: [{ line: 1, column: 3 }],
      path: ['boom'],
      extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId: expect.stringMatching(UUID) },
    });
    expect(throttled?.extensions).toEqual({
      code: 'UPSTREAM_THROTTLED',
      provider: 'AWS_CODEPIPELINE',
      upstreamCode: 'ThrottlingException',
      upstreamRequestId: 'rid-1',
    });
    for (const p of LEAK_PATTERNS) expect(res.text).not.toMatch(p);
    const lines = logs.lines.map((l) => JSON.parse(l) as Record<string, any>);
    const internal = lines.filter((l) => l.msg === 'internal error');
    expect(internal).toHaveLength(1);
    expect(internal[0]).toMatchObject({
      correlationId: boom?.extensions?.correlationId,
      requestId: 'req-boom-1',
      path: ['boom'],
    });
    expect(lines.find((l) => l.msg === 'graphql request')).toMatchObject({
      requestId: 'req-boom-1',
      errorCodes: expect.arrayContaining(['INTERNAL_SERVER_ERROR', 'UPSTREAM_THROTTLED']),
    });
  });
});

describe('Upstream errors from the emulators', () => {
  const gw = useTestGateway({ JOBGRAPH_UPSTREAM_MAX_ATTEMPTS: '1' });

  it('carry provider, upstream code and upstream request ID, and never a stack trace', async () => {
    const ids = Object.values(DEMO_DATA).flatMap((d) => [
      d.ERROR_CASE_GLOBAL_IDS.notFound,
      d.ERROR_CASE_GLOBAL_IDS.throttled,
    ]);
    const res = await gql(gw, 'query($ids: [ID!]!) { jobs(ids: $ids) { id } }', {
      variables: { ids },
      token: gw.tokens.read,
    });
    expect(res.body.errors).toHaveLength(ids.length);
    expect(new Set(res.body.errors?.map((e) => e.extensions?.provider))).toEqual(
      new Set(PROVIDERS.map((p) => p.name)),
    );
    for (const e of res.body.errors ?? []) {
      expect(Object.keys(e.extensions ?? {}).sort()).toEqual([
        'code',
        'provider',
        'upstreamCode',
        'upstreamRequestId',
      ]);
      expect(typeof e.extensions?.upstreamCode).toBe('string');
    }
    // Every provider sends a request ID with its errors (Import/Export's in the XML body).
    expect(
      res.body.errors?.filter((e) => typeof e.extensions?.upstreamRequestId !== 'string'),
    ).toEqual([]);
    expect(res.text).not.toMatch(/stacktrace|https?:\/\//);
  });
});
