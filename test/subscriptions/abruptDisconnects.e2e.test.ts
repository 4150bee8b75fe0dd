import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { startDemoProcess, type DemoProcess } from '../support/demoProcess.ts';
import { expectStillServing, outputMark, printedSince } from '../support/demoOutput.ts';
import { rawConnection, wsFrame, type RawConnection } from '../support/rawSocket.ts';

// Clients of the real `jobgraph demo` process cut at every stage of an SSE stream (distinct
// connections and graphql-sse's single connection mode) and of a WebSocket subscription: before
// the answer's headers, once the stream is open, mid-stream, and while the server writes a large
// result. Whatever the stage, the process prints nothing but JSON log lines on stdout and stderr.

const RUNNING = 'importexport:PNDG1';
const JWT_SECRET = randomBytes(32).toString('base64url');
const SUBSCRIPTION = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';
// A large result, so a reset lands while the server is still writing it.
const BIG_QUERY = '{ listJobs(first: 100) { nodes { id state providerStatus createdAt } } }';
let serial = 0;

let demo: DemoProcess;
beforeAll(async () => {
  demo = await startDemoProcess({ JOBGRAPH_JWT_SECRET: JWT_SECRET });
});
afterAll(() => void demo?.child.kill('SIGKILL'));

const tokenOf = () =>
  mintToken({ secret: JWT_SECRET, scopes: ['jobs:read'], subject: `cutter-${(serial += 1)}` });

/** A raw TCP connection to the demo process running `script`. */
const connection = (script: (c: RawConnection) => unknown) => rawConnection(demo.url, script);

/** An HTTP/1.1 request's bytes for /graphql. */
function request(method: string, headers: Record<string, string>, body = ''): string {
  const url = new URL(demo.url);
  const lines = [
    `${method} ${url.pathname} HTTP/1.1`,
    `Host: ${url.host}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ...(body ? [`Content-Length: ${Buffer.byteLength(body)}`] : []),
    '',
    '',
  ];
  return `${lines.join('\r\n')}${body}`;
}

const sseHeaders = (token: string) => ({
  Accept: 'text/event-stream',
  'Content-Type': 'application/json',
  Authorization: `Bearer ${token}`,
});

type Stage = 'mid-request' | 'before headers' | 'after headers' | 'mid-stream';

/** A distinct-connection SSE request for `query`, cut at `stage`. */
async function sseDistinct(query: string, stage: Stage, variables: object = {}) {
  const head = request('POST', sseHeaders(await tokenOf()), JSON.stringify({ query, variables }));
  return connection(async ({ socket, until, reset }) => {
    if (stage === 'mid-request') return socket.write(head.slice(0, head.length - 10), reset);
    if (stage === 'before headers') return socket.write(head, reset);
    socket.write(head);
    await until('\r\n\r\n');
    if (stage === 'mid-stream') await until('event: next');
    reset();
  });
}

/** graphql-sse's single connection mode: reserve, open the stream, send `query`; cut the stream at `stage`. */
async function sseSingle(query: string, stage: Stage, variables: object = {}) {
  const token = await tokenOf();
  const auth = { Authorization: `Bearer ${token}` };
  const reservation = await fetch(demo.url, { method: 'PUT', headers: auth });
  const streamToken = await reservation.text();
  const open = request('GET', {
    Accept: 'text/event-stream',
    ...auth,
    'X-GraphQL-Event-Stream-Token': streamToken,
  });
  return connection(async ({ socket, until, reset }) => {
    if (stage === 'mid-request') return socket.write(open.slice(0, 40), reset);
    if (stage === 'before headers') return socket.write(open, reset);
    socket.write(open);
    await until('\r\n\r\n');
    const sent = fetch(demo.url, {
      method: 'POST',
      headers: {
        ...auth,
        'content-type': 'application/json',
        'x-graphql-event-stream-token': streamToken,
      },
      body: JSON.stringify({ query, variables, extensions: { operationId: 'op' } }),
    }).then((r) => r.text());
    if (stage === 'mid-stream') await until('event: next');
    reset();
    await sent.catch(() => undefined);
  });
}

/** A graphql-transport-ws subscription and a large query, cut at `stage`. */
async function webSocket(stage: Stage) {
  const upgrade = request('GET', {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Protocol': 'graphql-transport-ws',
  });
  const token = await tokenOf();
  return connection(async ({ socket, until, reset }) => {
    if (stage === 'mid-request') return socket.write(upgrade.slice(0, 60), reset);
    if (stage === 'before headers') return socket.write(upgrade, reset);
    socket.write(upgrade);
    await until('\r\n\r\n');
    socket.write(frame({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }));
    await until('connection_ack');
    const subscribe = (id: string, query: string, variables: object = {}) =>
      frame({ id, type: 'subscribe', payload: { query, variables } });
    socket.write(
      Buffer.concat([subscribe('s', SUBSCRIPTION, { ids: [RUNNING] }), subscribe('q', BIG_QUERY)]),
    );
    if (stage === 'mid-stream') await until('"next"');
    reset();
  });
}

/** A masked client text frame of `message`, as JSON. */
const frame = (message: object) => wsFrame(JSON.stringify(message));

const STAGES: Stage[] = ['mid-request', 'before headers', 'after headers', 'mid-stream'];

describe('Clients cut at every stage of a stream', () => {
  it('leave nothing but JSON lines on stdout and stderr, and the process serving', async () => {
    const from = outputMark(demo);
    for (let round = 0; round < 3; round++) {
      await Promise.all(
        STAGES.flatMap((stage) =>
          Array.from({ length: 4 }, () => [
            sseDistinct(SUBSCRIPTION, stage, { ids: [RUNNING] }),
            sseDistinct(BIG_QUERY, stage),
            sseSingle(SUBSCRIPTION, stage, { ids: [RUNNING] }),
            sseSingle(BIG_QUERY, stage),
            webSocket(stage),
          ]).flat(),
        ),
      );
    }

    // Still serving: a query answers, and its log line marks the end of what the cuts logged.
    await expectStillServing(demo, 'after-the-cuts', RUNNING);

    const { lines, logged } = printedSince(demo, from);
    // At most a warning a cut, never a stack.
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => /\n\s+at |"stack"/.test(l))).toEqual([]);
  });
});
