import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import COS from 'cos-nodejs-sdk-v5';
import { afterEach } from 'vitest';
import {
  DEMO_AWS_CREDENTIALS,
  DEMO_TENCENT_CREDENTIALS,
  type RunningEmulator,
} from '@jobgraph/emulators/framework';
import { sendRaw } from '../support/rawHttp.ts';

/**
 * Requests to the emulators' list routes, signed by code independent of jobgraph's signers:
 * `@smithy/signature-v4` for the AWS services, the COS Node SDK's `getAuthorization` for COS
 * Batch. Answers are read raw (status, headers, body text) so tests see the wire.
 */

let clock: () => number = Date.now;

/** Sign at this clock's time from now on (in this test file): the emulator's own clock when a test sets one. */
export function signAt(now: () => number): void {
  clock = now;
}

/**
 * The clock a test file holds for its emulators and for the signing here: real time (whole
 * seconds) when the file starts; a test moves `clock.now`, and it is put back after each test.
 */
export function useHeldClock(): { readonly start: number; now: number } {
  const start = Math.floor(Date.now() / 1000) * 1000;
  const held = { start, now: start };
  signAt(() => held.now);
  afterEach(() => {
    held.now = start;
  });
  return held;
}

/** The `<Code>` of an XML error answer's body. */
export const xmlErrorCode = (body: string) => /<Code>([^<]*)<\/Code>/.exec(body)?.[1];

export interface RawAnswer {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

export interface AwsCall {
  /** SigV4 signing name (`panorama`, `omics`, `IngestionService`). */
  service: string;
  region?: string;
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string>;
  body?: string;
  headers?: Record<string, string>;
  /** Default the demo keys; a session's `sessionToken` is sent (and signed) as `x-amz-security-token`. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** One SigV4-signed request to `emu`. */
export async function signedAws(emu: RunningEmulator, call: AwsCall): Promise<RawAnswer> {
  const url = new URL(emu.url);
  const signer = new SignatureV4({
    service: call.service,
    region: call.region ?? 'us-east-1',
    credentials: call.credentials ?? { ...DEMO_AWS_CREDENTIALS },
    sha256: Sha256,
    applyChecksum: false,
  });
  const query = call.query ?? {};
  const signed = await signer.sign(
    new HttpRequest({
      method: call.method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: call.path,
      query,
      headers: { host: url.host, ...(call.headers ?? {}) },
      ...(call.body !== undefined ? { body: call.body } : {}),
    }),
    { signingDate: new Date(clock()) },
  );
  const search = new URLSearchParams(query).toString().replace(/\+/g, '%20');
  const { host: _host, ...headers } = signed.headers;
  const res = await fetch(`${emu.url}${call.path}${search ? `?${search}` : ''}`, {
    method: call.method,
    headers,
    ...(call.body !== undefined ? { body: call.body } : {}),
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

/**
 * One COS-signed request to `emu` (GET unless `method`; query parameters and host signed), with
 * the demo APPID unless `appId` says otherwise. `search` replaces the query string sent (the
 * signature still covers `query`).
 */
export async function signedCos(
  emu: RunningEmulator,
  path: string,
  query: Record<string, string> = {},
  opts: {
    host?: string;
    appId?: string;
    /** Default the demo account's key. */
    secretId?: string;
    secretKey?: string;
    method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
    search?: string;
    /** An XML body (CreateJob's), sent as `application/xml`. */
    body?: string;
  } = {},
): Promise<RawAnswer> {
  const host = opts.host ?? new URL(emu.url).host;
  const headers: Record<string, string> = {
    host,
    'x-cos-appid': opts.appId ?? DEMO_TENCENT_CREDENTIALS.appId,
    ...(opts.body === undefined ? {} : { 'content-type': 'application/xml' }),
  };
  const authorization = COS.getAuthorization({
    SecretId: opts.secretId ?? DEMO_TENCENT_CREDENTIALS.secretId,
    SecretKey: opts.secretKey ?? DEMO_TENCENT_CREDENTIALS.secretKey,
    Method: opts.method ?? 'GET',
    Pathname: path,
    Query: query,
    Headers: headers,
    KeyTime: `${Math.floor(clock() / 1000) - 1};${Math.floor(clock() / 1000) + 900}`,
  });
  const search = opts.search ?? new URLSearchParams(query).toString().replace(/\+/g, '%20');
  const { port } = new URL(emu.url);
  // node:http, not fetch: the Host header is the test's to choose (the account's control host).
  const answer = await sendRaw(
    {
      host: '127.0.0.1',
      port,
      method: opts.method ?? 'GET',
      path: `${path}${search ? `?${search}` : ''}`,
      headers: { ...headers, authorization },
      agent: false,
    },
    opts.body,
  );
  return {
    ...answer,
    headers: Object.fromEntries(Object.entries(answer.headers).map(([k, v]) => [k, String(v)])),
  };
}

/** A form body as the query protocol sends it (RFC 3986, space as %20). */
export function formBody(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
}

/** One Import/Export query call (`Version=2010-06-01` added), SigV4 `IngestionService`/us-east-1, with the demo keys unless `credentials`. */
export function importExportCall(
  emu: RunningEmulator,
  params: Record<string, string>,
  credentials?: AwsCall['credentials'],
): Promise<RawAnswer> {
  return signedAws(emu, {
    service: 'IngestionService',
    method: 'POST',
    path: '/',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: formBody({ Version: '2010-06-01', ...params }),
    ...(credentials ? { credentials } : {}),
  });
}

/**
 * How a rest-json emulator answers `call` unsigned, signed with a wrong secret, and signed for
 * `otherService`: `[status, x-amzn-ErrorType]` of each.
 */
export async function refusedSignatures(
  emu: RunningEmulator,
  call: AwsCall,
  otherService: string,
): Promise<[number, string | null][]> {
  const unsigned = await fetch(new URL(call.path, emu.url), {
    method: call.method,
    ...(call.body === undefined ? {} : { body: call.body }),
  });
  const wrongKey = await signedAws(emu, {
    ...call,
    credentials: {
      accessKeyId: DEMO_AWS_CREDENTIALS.accessKeyId,
      secretAccessKey: 'not-the-secret',
    },
  });
  const wrongService = await signedAws(emu, { ...call, service: otherService });
  return [
    [unsigned.status, unsigned.headers.get('x-amzn-errortype')],
    ...[wrongKey, wrongService].map((r): [number, string | null] => [
      r.status,
      r.headers['x-amzn-errortype'] ?? null,
    ]),
  ];
}
