import { createRequire } from 'node:module';
import { once } from 'node:events';
import COS from 'cos-nodejs-sdk-v5';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpstreamError } from '../../../src/errors.ts';
import type { CosBatchKey } from '../../../src/model/globalId.ts';
import type { HttpHandler } from '@smithy/protocol-http';
import { cosBatch } from '../../../src/datasources/cosbatch/index.ts';
import type { SourceSeams } from '../../../src/datasources/shared/seams.ts';
import type { CosBatchJobRecord } from '../../../src/datasources/cosbatch/record.ts';
import type { CosSourceOptions } from '../../../src/datasources/shared/options.ts';
import type { JobSource } from '../../../src/datasources/shared/types.ts';
import { fixtureLoader, startFixtureServer, upstreamFailure } from '../../support/fixtures.ts';
import { useFixtureServer } from '../../support/useFixtureServer.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';

const PACKAGE_VERSION = (
  createRequire(import.meta.url)('../../../package.json') as { version: string }
).version;

const loadFixture = fixtureLoader('cosbatch');

const JOB = '7b2e1d4f-3c8e-4f6a-8d95-1e4a6c8b2d03';
const key: CosBatchKey = {
  provider: 'TENCENT_COS_BATCH',
  region: 'ap-guangzhou',
  uin: '100000000001',
  jobId: JOB,
};
const CREDS = { secretId: 'AKIDjobgraphClientTest', secretKey: 'client-test-secret-key-not-real' };
const NOW = 1_773_136_800_000; // 2026-03-10T10:00:00Z

const server = useFixtureServer();
const opened: { close?(): void }[] = [];

afterEach(() => {
  for (const s of opened.splice(0)) s.close?.();
});

function source(
  extra: Partial<CosSourceOptions> = {},
  seams: SourceSeams = {},
): JobSource<'TENCENT_COS_BATCH', CosBatchJobRecord> {
  const s = createSource(
    cosBatch,
    {
      timeoutMs: 2000,
      maxAttempts: 1,
      maxSockets: 2,
      credentials: CREDS,
      appId: '1250000000',
      endpoint: server.url,
      ...extra,
    },
    { now: () => NOW, ...seams },
  );
  opened.push(s);
  return s;
}

async function failure(p: Promise<unknown>): Promise<UpstreamError> {
  const u = await upstreamFailure(p);
  const visible = `${u.message} ${JSON.stringify(u)} ${JSON.stringify(u.extensions)}`;
  expect(visible).not.toContain(CREDS.secretKey);
  expect(visible).not.toContain('q-signature');
  expect(visible).not.toMatch(/https?:\/\/|127\.0\.0\.1/);
  return u;
}

describe('CosBatch client', () => {
  it('signs the Host it sends to an endpoint override, with the injected clock', async () => {
    server.respond(loadFixture('success-minimal.json'));
    await source().fetchJob(key);
    const req = server.requests[0]!;
    expect(req.headers.host).toBe(new URL(server.url).host);
    expect(req.headers['user-agent']).toBe(`jobgraph/${PACKAGE_VERSION}`);
    const start = Math.floor(NOW / 1000) - 1;
    const keyTime = `${start};${start + 901}`;
    expect(req.headers.authorization).toBe(
      COS.getAuthorization({
        SecretId: CREDS.secretId,
        SecretKey: CREDS.secretKey,
        Method: 'GET',
        Pathname: `/jobs/${JOB}`,
        Headers: { host: req.headers.host as string, 'x-cos-appid': '1250000000' },
        KeyTime: keyTime,
      }),
    );
  });

  it('sends and signs x-cos-security-token when a session token is set', async () => {
    server.respond(loadFixture('success-minimal.json'));
    await source({ credentials: { ...CREDS, sessionToken: 'demo-session-token' } }).fetchJob(key);
    const req = server.requests[0]!;
    expect(req.headers['x-cos-security-token']).toBe('demo-session-token');
    expect(req.headers.authorization).toContain(
      'q-header-list=host;x-cos-appid;x-cos-security-token&',
    );
  });

  it('sends no x-cos-security-token without a session token', async () => {
    server.respond(loadFixture('success-minimal.json'));
    await source().fetchJob(key);
    expect(server.requests[0]!.headers['x-cos-security-token']).toBeUndefined();
  });

  it('addresses {uin}.cos-control.{region}.myqcloud.com without an override', async () => {
    let sent:
      | { protocol: string; hostname: string; path: string; headers: Record<string, string> }
      | undefined;
    const handler = {
      handle: async (request: NonNullable<typeof sent>) => {
        sent = request;
        throw new Error('caught');
      },
    } as unknown as HttpHandler;
    const s = createSource(
      cosBatch,
      { timeoutMs: 1000, maxAttempts: 1, maxSockets: 1, credentials: CREDS, appId: '1250000000' },
      { now: () => NOW, requestHandler: handler },
    );
    opened.push(s);
    await s.fetchJob({ ...key, region: 'ap-chengdu' }).catch(() => undefined);
    expect(sent).toMatchObject({
      protocol: 'https:',
      hostname: '100000000001.cos-control.ap-chengdu.myqcloud.com',
      path: `/jobs/${JOB}`,
    });
    expect(sent!.headers.host).toBe('100000000001.cos-control.ap-chengdu.myqcloud.com');
  });

  it('keeps a path prefix of the endpoint override', async () => {
    server.respond(loadFixture('success-minimal.json'));
    await source({ endpoint: `${server.url}/cos/` }).fetchJob(key);
    expect(server.requests[0]!.url).toBe(`/cos/jobs/${JOB}`);
  });

  it('answers PROVIDER_NOT_CONFIGURED without credentials, naming the variables', async () => {
    const err = await failure(source({ credentials: null }).fetchJob(key));
    expect(err.code).toBe('PROVIDER_NOT_CONFIGURED');
    expect(err.message).toContain('TENCENTCLOUD_SECRET_ID');
    expect(err.message).toContain('TENCENTCLOUD_SECRET_KEY');
    expect(server.requests).toHaveLength(0);
  });

  it('answers PROVIDER_NOT_CONFIGURED without an APPID, naming COS_APPID', async () => {
    const err = await failure(source({ appId: null }).fetchJob(key));
    expect(err.code).toBe('PROVIDER_NOT_CONFIGURED');
    expect(err.message).toContain('COS_APPID');
    expect(err.retryable).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it('retries SlowDown with full-jitter backoff and then succeeds', async () => {
    server.respond(
      loadFixture('throttled.json'),
      loadFixture('server-error.json'),
      loadFixture('success-minimal.json'),
    );
    const delays: number[] = [];
    const record = await source(
      { maxAttempts: 3 },
      { random: () => 0.5, sleep: async (ms) => void delays.push(ms) },
    ).fetchJob(key);
    expect(record.state).toBe('QUEUED');
    expect(server.requests).toHaveLength(3);
    // The hand-made clients' one policy (the SDK's numbers), random() = 0.5: SlowDown is throttling
    // (base 1000 ms → 500), then InternalError the second retry (base 50 ms × 2 → 50).
    expect(delays).toEqual([500, 50]);
  });

  it('stops after maxAttempts and answers the last error', async () => {
    server.respond(loadFixture('throttled.json'));
    const err = await failure(
      source({ maxAttempts: 2 }, { random: () => 0, sleep: async () => {} }).fetchJob(key),
    );
    expect(err.code).toBe('UPSTREAM_THROTTLED');
    expect(server.requests).toHaveLength(2);
  });

  it('does not retry NoSuchJob or AccessDenied', async () => {
    const s = source({ maxAttempts: 3 }, { random: () => 0, sleep: async () => {} });
    server.respond(loadFixture('not-found.json'));
    expect((await failure(s.fetchJob(key))).code).toBe('NOT_FOUND');
    server.respond(loadFixture('access-denied.json'));
    expect((await failure(s.fetchJob(key))).code).toBe('UPSTREAM_ACCESS_DENIED');
    expect(server.requests).toHaveLength(2);
  });

  it('waits at least Retry-After and gives up when it would break the 15 s budget', async () => {
    const throttled = loadFixture('throttled.json');
    const delays: number[] = [];
    const s = source(
      { maxAttempts: 3 },
      { random: () => 0, sleep: async (ms) => void delays.push(ms) },
    );
    server.respond(
      { ...throttled, headers: { ...throttled.headers, 'Retry-After': '2' } },
      loadFixture('success-minimal.json'),
    );
    await s.fetchJob(key);
    expect(delays).toEqual([2000]);
    server.respond({ ...throttled, headers: { ...throttled.headers, 'Retry-After': '30' } });
    const err = await failure(s.fetchJob(key));
    expect(err.code).toBe('UPSTREAM_THROTTLED');
    expect(err.retryAfterSeconds).toBe(30);
    expect(delays).toEqual([2000]);
  });

  it('times out a hanging attempt with UPSTREAM_UNAVAILABLE', async () => {
    server.respond('hang');
    const err = await failure(source({ timeoutMs: 100 }).fetchJob(key));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.message).toBe('Tencent COS Batch timed out.');
  });

  it('answers UPSTREAM_UNAVAILABLE for a reset connection', async () => {
    server.respond('reset');
    const err = await failure(source().fetchJob(key));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.retryable).toBe(true);
  });

  it('answers UPSTREAM_UNAVAILABLE when nothing listens', async () => {
    const closed = await startFixtureServer();
    const url = closed.url;
    await closed.close();
    const err = await failure(source({ endpoint: url }).fetchJob(key));
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(err.message).toBe('Tencent COS Batch is unreachable (ECONNREFUSED).');
  });

  it('stops at once when the caller aborts', async () => {
    server.respond('hang');
    const controller = new AbortController();
    const arrived = once(server.events, 'request');
    const p = source({ maxAttempts: 3 }, { random: () => 0, sleep: async () => {} }).fetchJob(key, {
      signal: controller.signal,
    });
    await arrived;
    controller.abort();
    const err = await failure(p);
    expect(err.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(server.requests).toHaveLength(1);
  });
});
