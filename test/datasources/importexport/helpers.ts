import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import { UpstreamError } from '../../../src/errors.ts';

/** A golden wire response: status, headers and the raw body as the service sends it. */
export interface Fixture {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../../fixtures/importexport/${name}.json`, import.meta.url), 'utf8')) as Fixture;
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A loopback server that answers every request with the fixture `current` names, recording what it got. */
export async function startFixtureServer(): Promise<{
  url: string;
  seen: SeenRequest[];
  serve(name: string): void;
  close(): Promise<void>;
}> {
  let current: Fixture | null = null;
  const seen: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const f = current ?? { status: 500, headers: {}, body: '' };
      res.writeHead(f.status, { ...f.headers, 'Content-Length': String(Buffer.byteLength(f.body)) });
      res.end(f.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    serve(name: string) {
      current = loadFixture(name);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Await a rejection and return it as an UpstreamError (failing the test otherwise). */
export async function upstreamFailure(p: Promise<unknown>): Promise<UpstreamError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UpstreamError);
  return err as UpstreamError;
}

/** The client-visible message never carries a URL, an upstream message or a body fragment. */
export function expectCleanMessage(err: UpstreamError, body = ''): void {
  expect(err.message).not.toMatch(/https?:\/\//);
  expect(err.message).not.toMatch(/[<>]/);
  const upstreamMessage = /<Message>([^<]*)<\/Message>/.exec(body)?.[1];
  if (upstreamMessage) expect(err.message).not.toContain(upstreamMessage);
  expect(JSON.stringify(err)).not.toMatch(/https?:\/\//);
}
