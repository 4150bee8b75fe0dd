import type { Readable } from 'node:stream';
import type { HttpRequest } from '@smithy/protocol-http';
import type { JobProvider } from '../../model/job.ts';
import { collectCapped, declaredLength } from './bodyCap.ts';
import { PROVIDER_LABEL } from './classify.ts';
import { httpOrigin, ReadAnswer, type HttpOrigin, type HttpResult } from './http.ts';
import type { SourceSeams } from './seams.ts';

// Where the pipeline (source.ts) sends a call: its endpoint taken apart once, and a test's
// SDK-style request handler standing in for node:http.

/** An endpoint taken apart once: its origin for node:http and the path every operation path goes under. */
export interface PreparedEndpoint {
  origin: HttpOrigin;
  /** The endpoint's own path without its trailing slash ('' for `/`). */
  basePath: string;
}

export function prepareEndpoint(url: URL): PreparedEndpoint {
  return {
    origin: httpOrigin(url),
    basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, ''),
  };
}

/** The endpoint with `prefix` in front of its host: strings only, no URL parsed per call. */
export function withHostPrefix(
  endpoint: PreparedEndpoint,
  prefix: string | undefined,
): PreparedEndpoint {
  if (!prefix) return endpoint;
  const { origin } = endpoint;
  return {
    ...endpoint,
    origin: { ...origin, hostname: prefix + origin.hostname, host: prefix + origin.host },
  };
}

/** The endpoint override of the options, checked once. */
export function overrideOf(
  endpoint: string | undefined,
  provider: JobProvider,
): PreparedEndpoint | null {
  if (endpoint === undefined) return null;
  const url = new URL(endpoint);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`The ${PROVIDER_LABEL[provider]} endpoint must be an http or https URL`);
  }
  return prepareEndpoint(url);
}

/** A request ready to go: addressed, signed, with its deadline and body cap. */
export interface SendTarget {
  endpoint: PreparedEndpoint;
  /** The operation's request (source.ts `WireRequest`): what is sent of it. */
  req: {
    method: string;
    query?: readonly (readonly [string, string])[];
    body: string;
  };
  headers: Record<string, string>;
  /** The path as sent, its query encoded. */
  path: string;
  timeoutMs: number;
  maxBodyBytes: number;
  signal?: AbortSignal;
}

/** A request through a test's SDK-style request handler (`seams.requestHandler`), its body read under the same cap. */
export async function sendThroughHandler(
  handler: NonNullable<SourceSeams['requestHandler']>,
  target: SendTarget,
): Promise<HttpResult> {
  const { endpoint, req, headers, signal } = target;
  const { origin } = endpoint;
  const request = {
    method: req.method,
    protocol: origin.https ? 'https:' : 'http:',
    hostname: origin.hostname,
    ...(origin.port !== undefined ? { port: origin.port } : {}),
    path: target.path.split('?')[0],
    query: Object.fromEntries(req.query ?? []),
    headers,
    ...(req.body !== '' ? { body: Buffer.from(req.body) } : {}),
  } as unknown as HttpRequest;
  const { response } = await handler.handle(
    request,
    signal ? { abortSignal: signal as never } : {},
  );
  const body = await collectCapped(
    response.body as Readable,
    target.maxBodyBytes,
    declaredLength(response.headers),
    signal,
    target.timeoutMs,
  );
  return new ReadAnswer(response.statusCode, response.headers, body);
}
