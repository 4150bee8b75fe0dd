import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { startDemoProcess, type DemoProcess } from '../support/demoProcess.ts';

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

interface Conn {
  socket: net.Socket;
  until: (text: string) => Promise<void>;
  received: () => string;
  reset: () => void;
}

/** A raw TCP connection to the server running `script`; resolves once it is closed, however it ends. */
function connection(script: (c: Conn) => unknown): Promise<void> {
  const url = new URL(demo.url);
  return new Promise<void>((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname);
    let received = '';
    const waiters: { text: string; resolve: () => void }[] = [];
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      for (const w of waiters.splice(0)) {
        if (received.includes(w.text)) w.resolve();
        else waiters.push(w);
      }
    });
    socket.on('error', () => undefined);
    socket.once('close', () => {
      for (const w of waiters.splice(0)) w.resolve();
      resolve();
    });
    const until = (text: string) =>
      new Promise<void>((r) => {
        if (received.includes(text) || socket.destroyed) r();
        else waiters.push({ text, resolve: r });
      });
    // An RST instead of a FIN: the server's next write fails with ECONNRESET or EPIPE.
    const reset = () => void (socket.destroyed || socket.resetAndDestroy());
    socket.once('connect', () => {
      Promise.resolve(script({ socket, until, received: () => received, reset })).then(
        () => undefined,
        () => reset(),
      );
    });
  });
}

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
function frame(message: object): Buffer {
  const body = Buffer.from(JSON.stringify(message));
  const len = body.length;
  const head =
    len < 126
      ? Buffer.from([0x81, 0x80 | len])
      : Buffer.from([0x81, 0x80 | 126, len >> 8, len & 0xff]);
  const mask = randomBytes(4);
  return Buffer.concat([head, mask, body.map((b, i) => b ^ (mask[i % 4] as number))]);
}

const STAGES: Stage[] = ['mid-request', 'before headers', 'after headers', 'mid-stream'];

describe('Clients cut at every stage of a stream', () => {
  it('leave nothing but JSON lines on stdout and stderr, and the process serving', async () => {
    const from = { stdout: demo.output.stdout.length, stderr: demo.output.stderr.length };
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
    const res = await fetch(demo.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${demo.token}`,
        'x-request-id': 'after-the-cuts',
      },
      body: JSON.stringify({ query: `{ job(id: "${RUNNING}") { id } }` }),
    });
    expect(res.status).toBe(200);
    await expect.poll(() => demo.output.stdout.includes('"after-the-cuts"')).toBe(true);
    expect(demo.child.exitCode).toBeNull();

    const lines = [
      ...demo.output.stdout.slice(from.stdout).split('\n'),
      ...demo.output.stderr.slice(from.stderr).split('\n'),
    ].filter(Boolean);
    const notJson = lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown });
    // At most a warning a cut, never a stack.
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => /\n\s+at |"stack"/.test(l))).toEqual([]);
  });
});
