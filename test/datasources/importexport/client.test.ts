import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import type { AwsCredentialIdentity } from '@smithy/types';
import type { HttpHandler } from '@smithy/protocol-http';
import { FORM_CONTENT_TYPE, getStatusBody } from '../../../src/datasources/importexport/client.ts';
import { importExport } from '../../../src/datasources/importexport/index.ts';
import { rfc3986 } from '../../../src/datasources/shared/rfc3986.ts';
import { canonicalUri } from '../../../src/datasources/shared/sigv4.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';

type SigV4Credentials = AwsCredentialIdentity;

const DATE = new Date('2016-04-05T17:12:03.456Z');
const STATIC: SigV4Credentials = {
  accessKeyId: 'JOBGRAPHDEMOACCESSKEY',
  secretAccessKey: 'jobgraph-demo-secret-access-key',
};
const SESSION: SigV4Credentials = {
  accessKeyId: 'ASIAJOBGRAPHDEMO0001',
  secretAccessKey: 'DEMO-SECRET-ACCESS-KEY-0001-not-a-real-secret',
  sessionToken: 'DEMO-SESSION-TOKEN-0001-not-a-real-token/with+base64=chars',
};

/**
 * The oracle: smithy's SignatureV4 (the SDK's own signer) over the same request, as
 * `IngestionService`/us-east-1. (The hand-made third SigV4 copy that used to live beside this
 * file is gone: production's signer and the SDK's are the two that matter.)
 */
async function smithy(
  url: URL,
  body: string,
  headers: Record<string, string>,
  creds: SigV4Credentials,
  date: Date,
) {
  const service = 'IngestionService';
  const region = 'us-east-1';
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) query[k] = v;
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: url.pathname,
    query,
    headers: { ...headers, host: url.host },
    body,
  });
  const signer = new SignatureV4({
    service,
    region,
    credentials: {
      accessKeyId: creds.accessKeyId,
      secretAccessKey: creds.secretAccessKey,
      ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}),
    },
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(request, { signingDate: date });
  return signed.headers;
}

/**
 * What production sends for GetStatus of `jobId` to the endpoint `url`: the real source, its
 * request caught by a request handler (the User-Agent, which is never signed, left out).
 */
async function ours(
  url: URL,
  jobId: string,
  creds: SigV4Credentials,
  date: Date,
): Promise<{ path: string; headers: Record<string, string> }> {
  let sent: { path: string; headers: Record<string, string> } | undefined;
  const handler = {
    handle: async (request: { path: string; headers: Record<string, string> }) => {
      sent = { path: request.path, headers: { ...request.headers } };
      throw new Error('caught');
    },
  } as unknown as HttpHandler;
  const source = createSource(
    importExport,
    { timeoutMs: 1000, maxAttempts: 1, maxSockets: 1, credentials: creds, endpoint: url.href },
    { now: () => date.getTime(), requestHandler: handler },
  );
  await source.fetchJob({ provider: 'AWS_IMPORT_EXPORT', jobId }).catch(() => undefined);
  source.close?.();
  const { 'user-agent': userAgent, ...headers } = sent!.headers;
  expect(userAgent).toMatch(/^jobgraph\//);
  return { path: sent!.path, headers };
}

/** The headers the source signs for GetStatus of `jobId` at `url` on DATE, after expecting the SDK's signer to sign the same. */
async function signedAsSmithy(url: URL, jobId: string, creds: SigV4Credentials) {
  const { headers: mine } = await ours(url, jobId, creds, DATE);
  const headers = { 'content-type': FORM_CONTENT_TYPE };
  expect(mine).toEqual(await smithy(url, getStatusBody(jobId), headers, creds, DATE));
  return mine;
}

describe('ImportExport client', () => {
  it('signs a GetStatus request exactly as @smithy/signature-v4 does', async () => {
    const mine = await signedAsSmithy(
      new URL('https://importexport.amazonaws.com/'),
      'ABCDE',
      STATIC,
    );
    expect(mine.authorization).toBe(
      `AWS4-HMAC-SHA256 Credential=JOBGRAPHDEMOACCESSKEY/20160405/us-east-1/IngestionService/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${mine.authorization!.slice(-64)}`,
    );
    expect(mine['x-amz-date']).toBe('20160405T171203Z');
    expect(mine.host).toBe('importexport.amazonaws.com');
  });

  it('signs x-amz-security-token when the credentials carry a session token', async () => {
    const mine = await signedAsSmithy(
      new URL('https://importexport.amazonaws.com/'),
      'ABCDE',
      SESSION,
    );
    expect(mine['x-amz-security-token']).toBe(SESSION.sessionToken);
    expect(mine.authorization).toContain(
      'SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,',
    );
  });

  it('signs the host with its port for an endpoint override', async () => {
    const mine = await signedAsSmithy(new URL('http://127.0.0.1:4104'), 'CMPL1', STATIC);
    expect(mine.host).toBe('127.0.0.1:4104');
  });

  it('matches @smithy/signature-v4 for any job ID, endpoint path, date and session token', async () => {
    const jobId = fc.string({ minLength: 1, maxLength: 40 });
    const segment = fc.constantFrom('a', 'b c', 'ü', 'x~y', "it's", '*');
    await fc.assert(
      fc.asyncProperty(
        jobId,
        fc.array(segment, { maxLength: 3 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.boolean(),
        async (id, segments, ms, withToken) => {
          const endpoint = new URL('https://importexport.amazonaws.com');
          endpoint.pathname = `/${segments.join('/')}`;
          const creds = withToken ? SESSION : STATIC;
          const date = new Date(ms);
          const sent = await ours(endpoint, id, creds, date);
          // The source sends GetStatus to the endpoint's path with a trailing slash, as the SDK's query protocol does.
          const url = new URL(endpoint.href);
          url.pathname = sent.path;
          expect(sent.path).toBe(`${endpoint.pathname.replace(/\/$/, '')}/`);
          expect(sent.headers).toEqual(
            await smithy(
              url,
              getStatusBody(id),
              { 'content-type': FORM_CONTENT_TYPE },
              creds,
              date,
            ),
          );
        },
      ),
      { numRuns: 100, seed: 4104 },
    );
  });
});

describe('ImportExport request encoding', () => {
  it('encodes the form body with RFC 3986', () => {
    expect(getStatusBody('AB CD')).toBe('Action=GetStatus&Version=2010-06-01&JobId=AB%20CD');
    expect(getStatusBody("a+b&c=d!'()*~")).toBe(
      'Action=GetStatus&Version=2010-06-01&JobId=a%2Bb%26c%3Dd%21%27%28%29%2A~',
    );
    expect(rfc3986('é/')).toBe('%C3%A9%2F');
  });

  it("encodes only the job ID per call: no list of pairs mapped and joined again (a watched job's every poll)", () => {
    const map = vi.spyOn(Array.prototype, 'map');
    const join = vi.spyOn(Array.prototype, 'join');
    try {
      expect(getStatusBody('ABCDE')).toBe('Action=GetStatus&Version=2010-06-01&JobId=ABCDE');
      expect([map.mock.calls.length, join.mock.calls.length]).toEqual([0, 0]);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('normalises the canonical path as AWS does for services other than S3', () => {
    expect(canonicalUri('/')).toBe('/');
    expect(canonicalUri('')).toBe('/');
    expect(canonicalUri('/a/./b/../c/')).toBe('/a/c/');
    expect(canonicalUri('/a%20b')).toBe('/a%2520b');
  });
});
