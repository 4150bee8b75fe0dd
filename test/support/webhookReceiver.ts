import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { useStarted } from './useStarted.ts';

/** One request a receiver got: its headers, body, and whether `standardwebhooks` verified it. */
export interface Received {
  headers: Record<string, string>;
  body: string;
  /** Verified by the `standardwebhooks` package (the oracle) under the secret set, else why not. */
  verified: true | string;
}

/**
 * A webhook receiver on 127.0.0.1 (the tests allow it with JOBGRAPH_NOTIFY_ALLOW_HOSTS) that
 * answers the statuses queued in `answers` (then 200), verifies each request with the
 * `standardwebhooks` package under `secret`, and counts the connections made to it.
 */
export interface Receiver {
  url: string;
  port: number;
  received: Received[];
  /** Statuses to answer next, in order (then 200); a `[status, headers]` pair sets headers too. */
  answers: (number | [number, Record<string, string>])[];
  /** TCP connections accepted. */
  connections: number;
  secret: string | null;
  /** The next request, when it comes. */
  next(): Promise<Received>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const waiting: ((r: Received) => void)[] = [];
  const receiver: Receiver = {
    url: '',
    port: 0,
    received: [],
    answers: [],
    connections: 0,
    secret: null,
    next: () => new Promise((resolve) => waiting.push(resolve)),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [
          k,
          Array.isArray(v) ? v.join(', ') : (v ?? ''),
        ]),
      );
      let verified: true | string = 'no secret set';
      if (receiver.secret)
        try {
          new Webhook(receiver.secret).verify(body, headers);
          verified = true;
        } catch (e) {
          verified = (e as Error).message;
        }
      const got: Received = { headers, body, verified };
      receiver.received.push(got);
      const answer = receiver.answers.shift() ?? 200;
      const [status, extra] = Array.isArray(answer) ? answer : [answer, {}];
      res.writeHead(status, extra).end(status === 200 ? 'ok' : '');
      waiting.shift()?.(got);
    });
  });
  server.on('connection', () => (receiver.connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hook`;
  return receiver;
}

/** A receiver for a test file (or `describe` block): started before its first test, closed after its last. */
export const useReceiver = (): Receiver =>
  useStarted('a webhook receiver', startReceiver, (r) => r.close());
