import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A golden wire response: `{ status, headers, body }` exactly as COS sent it. */
export interface Fixture {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function loadFixture(name: string): Fixture {
  return JSON.parse(readFileSync(new URL(`../../fixtures/cosbatch/${name}`, import.meta.url), 'utf8')) as Fixture;
}

export interface ReceivedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

export interface FixtureServer {
  url: string;
  requests: ReceivedRequest[];
  /** Answers, consumed one per request; the last one repeats. */
  respond(...fixtures: (Fixture | 'hang' | 'reset')[]): void;
  close(): Promise<void>;
}

/** A tiny loopback server that answers each request with the next fixture, byte for byte. */
export async function startFixtureServer(): Promise<FixtureServer> {
  const requests: ReceivedRequest[] = [];
  let queue: (Fixture | 'hang' | 'reset')[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      const next = queue.length > 1 ? queue.shift() : queue[0];
      if (next === undefined || next === 'hang') return;
      if (next === 'reset') {
        res.socket?.destroy();
        return;
      }
      const headers = { ...next.headers, 'Content-Length': String(Buffer.byteLength(next.body)) };
      res.writeHead(next.status, headers);
      res.end(next.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
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
