import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { HttpResponse, type HttpHandler, type HttpRequest } from '@smithy/protocol-http';
import { afterAll, expect } from 'vitest';
import { UpstreamError } from '../../src/errors.ts';
import { TEST_AWS_CREDENTIALS } from './credentials.ts';

/**
 * A golden wire response under test/fixtures/<provider>/, exactly as the service sends it.
 * On disk it is two files: `<name>.headers.json` (`{ status, headers }`) and the body as raw
 * bytes in `<name>.json`, `<name>.xml` or `<name>.html` (by its Content-Type), so a fixture
 * diff reads as the wire does. A body many services send byte for byte (a proxy's 502 page) is
 * one file under test/fixtures/shared/, named by the headers file's `bodyFile`.
 */
export interface WireFixture {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type FixtureProvider =
  'panorama' | 'omics' | 'cosbatch' | 'importexport' | 'codepipeline' | 'batch';

/** The body file's extension for a Content-Type. */
function bodyExtension(headers: Record<string, string>): 'json' | 'xml' | 'html' {
  const type =
    Object.entries(headers)
      .find(([k]) => k.toLowerCase() === 'content-type')?.[1]
      ?.split(';')[0]
      ?.trim() ?? '';
  if (type === 'application/json' || type === 'application/x-amz-json-1.1') return 'json';
  if (type === 'application/xml' || type === 'text/xml') return 'xml';
  if (type === 'text/html') return 'html';
  throw new Error(`no fixture body extension for Content-Type "${type}"`);
}

/**
 * Read one golden fixture; `name` with or without `.json`. Fails if the body's length differs
 * from its Content-Length, so an editor or formatter that touched the raw body is caught.
 */
export function loadFixture(provider: FixtureProvider, name: string): WireFixture {
  const base = name.replace(/\.json$/, '');
  const dir = new URL(`../fixtures/${provider}/`, import.meta.url);
  const { status, headers, bodyFile } = JSON.parse(
    readFileSync(new URL(`${base}.headers.json`, dir), 'utf8'),
  ) as Omit<WireFixture, 'body'> & { bodyFile?: string };
  const bodyUrl = bodyFile
    ? new URL(`../shared/${bodyFile}`, dir)
    : new URL(`${base}.${bodyExtension(headers)}`, dir);
  const body = readFileSync(bodyUrl, 'utf8');
  const length = Object.entries(headers).find(([k]) => k.toLowerCase() === 'content-length')?.[1];
  if (length !== undefined && Number(length) !== Buffer.byteLength(body)) {
    throw new Error(
      `fixture ${provider}/${base}: body is ${Buffer.byteLength(body)} bytes, Content-Length says ${length}`,
    );
  }
  return { status, headers, body };
}

/** The fixtures' names (without `.headers.json`) in a provider's folder, or its `sub` folder. */
export function fixtureNames(provider: FixtureProvider, sub?: string): string[] {
  const dir = new URL(`../fixtures/${provider}/${sub ? `${sub}/` : ''}`, import.meta.url);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.headers.json'))
    .map((f) => f.slice(0, -'.headers.json'.length));
}

/** A one-argument loader bound to a provider's fixture folder. */
export function fixtureLoader(provider: FixtureProvider): (name: string) => WireFixture {
  return (name) => loadFixture(provider, name);
}

/**
 * An AWS SDK request handler that answers every request with `fixture` (or what `fixture()` gives
 * for each request), as Node's HTTP stack hands it to the SDK (lower-cased header names, a streamed
 * body), and records the signed requests: the real SDK serialiser, signer and deserialiser run
 * without a network.
 */
export function sdkFixtureHandler(
  answer: WireFixture | (() => WireFixture),
): HttpHandler & { requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  return {
    requests,
    async handle(request: HttpRequest) {
      requests.push(request);
      const fixture = typeof answer === 'function' ? answer() : answer;
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(fixture.headers)) headers[k.toLowerCase()] = v;
      return {
        response: new HttpResponse({
          statusCode: fixture.status,
          headers,
          body: Readable.from([Buffer.from(fixture.body, 'utf8')]),
        }),
      };
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs() {
      return {};
    },
  };
}

/** What `useFixtureSdk` makes an AWS SDK client with. */
export interface FixtureSdkConfig {
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
  requestHandler: HttpHandler;
}

/**
 * A test file's `sdk(fixture)`: the AWS SDK client `create` makes (us-east-1, the test
 * credentials, one attempt) answering every request with `fixture` (sdkFixtureHandler), and
 * the requests it signed. Every client is destroyed after the file.
 */
export function useFixtureSdk<C extends { destroy(): void }>(
  create: (config: FixtureSdkConfig) => C,
): (fixture: WireFixture) => { client: C; requests: HttpRequest[] } {
  const clients: C[] = [];
  afterAll(() => {
    for (const c of clients) c.destroy();
  });
  return (fixture) => {
    const handler = sdkFixtureHandler(fixture);
    const client = create({
      region: 'us-east-1',
      credentials: { ...TEST_AWS_CREDENTIALS },
      maxAttempts: 1,
      requestHandler: handler,
    });
    clients.push(client);
    return { client, requests: handler.requests };
  };
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface FixtureServer {
  url: string;
  requests: ReceivedRequest[];
  /** Emits `request` (with the ReceivedRequest) as each request arrives, so a test can wait for it. */
  events: EventEmitter;
  /** Answers, consumed one per request; the last one repeats. */
  respond(...fixtures: (WireFixture | 'hang' | 'reset')[]): void;
  close(): Promise<void>;
}

/** A loopback server for the hand-made clients: answers each request with the next fixture, byte for byte. */
export async function startFixtureServer(): Promise<FixtureServer> {
  const requests: ReceivedRequest[] = [];
  const events = new EventEmitter();
  let queue: (WireFixture | 'hang' | 'reset')[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      events.emit('request', received);
      const next = queue.length > 1 ? queue.shift() : queue[0];
      if (next === undefined || next === 'hang') return;
      if (next === 'reset') {
        res.socket?.destroy();
        return;
      }
      res.writeHead(next.status, {
        ...next.headers,
        'Content-Length': String(Buffer.byteLength(next.body)),
      });
      res.end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    events,
    respond(...fixtures) {
      queue = fixtures;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Await a rejection and return it as an UpstreamError, failing the test if it resolved or threw anything else. */
export async function upstreamFailure(p: Promise<unknown>): Promise<UpstreamError> {
  const err = await p.then(
    () => new Error('expected the promise to reject'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}
