import http from 'node:http';
import net from 'node:net';
import { parse } from 'graphql';
import { print } from 'graphql';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { eventDocument } from '../../src/subscriptions/execute.ts';
import { clearCalls, gql, upstreamCallCount } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { startDemoProcess } from '../support/demoProcess.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { subscribe, TRANSPORTS } from '../support/subscriptions.ts';

const QUERY = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';
const RUNNING = 'importexport:PNDG1';

const gw = useTestGateway(
  { JOBGRAPH_MAX_WEBSOCKETS: '40' },
  { watchScheduler: new ManualScheduler() },
);

/** One raw SSE request over node:http, its status and body once the server ends it. */
function ssePost(
  body: string,
  token: string | undefined = gw.tokens.read,
): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  const url = new URL(gw.server.url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** GET /healthz's status and body. */
async function health(): Promise<{ status: number; body: unknown }> {
  const res = await fetch(new URL('/healthz', gw.server.url));
  return { status: res.status, body: await res.json() };
}

/** A graphql-transport-ws socket, acknowledged, with its incoming messages and close. */
async function openSocket(token: string | null = gw.tokens.read) {
  const socket = new WebSocket(gw.server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: Record<string, any>[] = [];
  const waiting: (() => void)[] = [];
  socket.on('message', (data: Buffer) => {
    messages.push(JSON.parse(data.toString('utf8')) as Record<string, any>);
    for (const w of waiting.splice(0)) w();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  socket.send(
    JSON.stringify({
      type: 'connection_init',
      payload: token ? { Authorization: `Bearer ${token}` } : {},
    }),
  );
  const until = async (test: (m: Record<string, any>) => boolean): Promise<Record<string, any>> => {
    for (;;) {
      const found = messages.find(test);
      if (found) return found;
      const more = new Promise<void>((resolve) => waiting.push(resolve));
      const outcome = await Promise.race([more.then(() => 'message'), closed.then(() => 'closed')]);
      if (outcome === 'closed') {
        const last = messages.find(test);
        if (last) return last;
        throw new Error(`socket closed: ${JSON.stringify(await closed)}`);
      }
    }
  };
  return { socket, messages, closed, until };
}

describe.each(TRANSPORTS)('Oversized jobUpdates(ids:) over %s', (transport) => {
  const cases: [string, () => { query: string; variables?: Record<string, unknown> }][] = [
    [
      '20,000 malformed IDs in a variable',
      () => ({
        query: QUERY,
        variables: { ids: Array.from({ length: 20_000 }, (_, i) => `x${i}`) },
      }),
    ],
    [
      '101 repeats of one valid job',
      () => ({ query: QUERY, variables: { ids: Array.from({ length: 101 }, () => RUNNING) } }),
    ],
    [
      'a body of ~1 MB of IDs',
      () => ({
        query: QUERY,
        variables: { ids: Array.from({ length: 90_000 }, (_, i) => `cos:ap-guangzhou:1:${i}`) },
      }),
    ],
    [
      '101 IDs written in the document',
      () => ({
        query: `subscription { jobUpdates(ids: [${Array.from({ length: 101 }, () => `"${RUNNING}"`).join(',')}]) { id } }`,
      }),
    ],
    [
      '101 IDs through a root fragment',
      () => ({
        query:
          'subscription($ids: [ID!]!) { ...W } fragment W on Subscription { jobUpdates(ids: $ids) { id } }',
        variables: { ids: Array.from({ length: 101 }, (_, i) => `importexport:J${i}`) },
      }),
    ],
  ];

  it.each(cases)(
    'refuses %s before any work, naming the limit, while /healthz still answers',
    async (_name, make) => {
      clearCalls(gw);
      const { query, variables } = make();
      const refusals = Array.from({ length: 3 }, async () => {
        if (transport === 'sse') {
          const res = await ssePost(JSON.stringify({ query, variables }));
          if (res.status === 413) return 'too large';
          // Refused once the stream is accepted: a `next` event with the errors, then `complete` (graphql-sse's protocol).
          expect(res.status).toBe(200);
          expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
          expect(res.text).toMatch(
            /^event: next\ndata: \{"errors":.*\n\nevent: complete\ndata:\n\n$/s,
          );
          return res.text;
        }
        const ws = await openSocket();
        await ws.until((m) => m.type === 'connection_ack');
        ws.socket.send(
          JSON.stringify({ id: '1', type: 'subscribe', payload: { query, variables } }),
        );
        const settled = await Promise.race([
          ws.until((m) => m.type === 'error' && m.id === '1').then((m) => JSON.stringify(m)),
          ws.closed.then((c) => `closed ${c.code}`),
        ]);
        ws.socket.close();
        return settled;
      });
      // The gateway keeps serving while the refusals are being made: /healthz answers in the
      // middle of them (how fast is the benches' business: load moves it, 1.2 s was seen once).
      expect(await health()).toEqual({ status: 200, body: { status: 'ok' } });
      for (const text of await Promise.all(refusals)) {
        // A body over the 1 MB limit is refused by size (413 / close 1009) before it is read as GraphQL.
        if (text === 'too large' || text === 'closed 1009') continue;
        expect(text).toMatch(
          /Argument \\?"ids\\?" of jobUpdates takes at most 100 IDs \(JOBGRAPH_MAX_JOB_IDS\); got \d+\./,
        );
        expect(text).toContain('BAD_USER_INPUT');
      }
      expect(await health()).toEqual({ status: 200, body: { status: 'ok' } });
      expect(upstreamCallCount(gw)).toBe(0);
      expect(gw.server.subscriptions.hub.open()).toBe(0);
    },
  );

  it('accepts exactly JOBGRAPH_MAX_JOB_IDS IDs, malformed ones each an error event', async () => {
    const ids = [RUNNING, ...Array.from({ length: 99 }, (_, i) => `bad${i}`)];
    const sub = subscribe(gw.server.url, transport, QUERY, {
      token: gw.tokens.read,
      variables: { ids },
    });
    try {
      const events = [];
      for (let i = 0; i < 100; i++) events.push(await sub.next());
      expect(
        events.filter((e) => e?.errors?.[0]?.extensions?.code === 'BAD_USER_INPUT'),
      ).toHaveLength(99);
      expect(events.find((e) => e?.data)?.data).toMatchObject({
        jobUpdates: { id: RUNNING, state: 'QUEUED' },
      });
    } finally {
      await sub.close();
    }
  });
});

describe('Each event of a subscription', () => {
  it("executes a document whose root job-ID list is empty and whose variables are only the selection's", () => {
    const doc = parse(
      'subscription S($ids: [ID!]!, $withState: Boolean!) { jobUpdates(ids: $ids) { id state @include(if: $withState) } } query Q($ids: [ID!]!) { jobs(ids: $ids) { id } }',
    );
    const printed = print(eventDocument(doc, 'S'));
    expect(printed).toContain('subscription S($withState: Boolean!) {\n  jobUpdates(ids: []) {');
    expect(printed).toContain('state @include(if: $withState)');
    // Other operations are left as they are.
    expect(printed).toContain('query Q($ids: [ID!]!) {\n  jobs(ids: $ids)');
    const viaFragment = print(
      eventDocument(
        parse(
          'subscription($ids: [ID!]!) { ... on Subscription { ...W } } fragment W on Subscription { jobUpdates(ids: $ids) { id } }',
        ),
      ),
    );
    expect(viaFragment).toContain('subscription {');
    expect(viaFragment).toContain('fragment W on Subscription {\n  jobUpdates(ids: []) {');
  });
});

describe('@skip and @include on a subscription root', () => {
  const documents = [
    'subscription { jobUpdates(ids: ["importexport:PNDG1"]) @skip(if: true) { id } }',
    'subscription { jobUpdates(ids: ["importexport:PNDG1"]) @include(if: false) { id } }',
    'subscription($s: Boolean!) { jobUpdates(ids: ["importexport:PNDG1"]) @skip(if: $s) { id } }',
    'subscription { ... @skip(if: true) { jobUpdates(ids: ["importexport:PNDG1"]) { id } } }',
    'subscription { ...W } fragment W on Subscription { jobUpdates(ids: ["importexport:PNDG1"]) @include(if: false) { id } }',
  ];

  it.each(documents)(
    'is GRAPHQL_VALIDATION_FAILED on every transport, for anyone, with no error logged: %s',
    async (query) => {
      const linesBefore = gw.logs.lines.length;
      for (const token of [gw.tokens.read, undefined]) {
        const plain = await gql(gw, query, { variables: { s: true }, ...(token ? { token } : {}) });
        expect(plain.status).toBe(400);
        expect(plain.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
        expect(plain.body.errors?.[0]?.message).toMatch(/must not use @(skip|include)/);
      }
      const sse = await ssePost(JSON.stringify({ query, variables: { s: true } }));
      expect(sse.status).toBe(200);
      expect(sse.text).toContain('GRAPHQL_VALIDATION_FAILED');
      expect(sse.text).toMatch(/event: complete\ndata:\n\n$/);

      // Over graphql-ws: an `error` message for the operation, and the socket is kept.
      const ws = await openSocket();
      await ws.until((m) => m.type === 'connection_ack');
      ws.socket.send(
        JSON.stringify({ id: 'a', type: 'subscribe', payload: { query, variables: { s: true } } }),
      );
      const error = await ws.until((m) => m.id === 'a');
      expect(error).toMatchObject({
        type: 'error',
        payload: [{ extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }],
      });
      ws.socket.send(
        JSON.stringify({
          id: 'b',
          type: 'subscribe',
          payload: { query: QUERY, variables: { ids: [RUNNING] } },
        }),
      );
      expect(await ws.until((m) => m.id === 'b' && m.type === 'next')).toMatchObject({
        payload: { data: { jobUpdates: { id: RUNNING } } },
      });
      ws.socket.close(1000);
      expect((await ws.closed).code).toBe(1000);

      const newLines = gw.logs.lines
        .slice(linesBefore)
        .map((l) => JSON.parse(l) as { level: number; msg: string });
      expect(newLines.filter((l) => l.level >= 50)).toEqual([]);
    },
  );
});

describe('WebSocket sockets', () => {
  it.each([
    ['no connection_init payload and no upgrade header', null],
    ['an empty Authorization', ''],
  ])(
    'closes a socket with %s at connection_init (4401, the reason named)',
    async (_name, token) => {
      const ws = await openSocket(token);
      expect(await ws.closed).toMatchObject({
        code: 4401,
        reason: /^Unauthorized: no bearer token/,
      });
      expect(ws.messages).toEqual([]);
    },
  );

  it('keeps no anonymous socket open: 60 opened, every one closed, the count back where it started', async () => {
    const sockets = await Promise.all(
      Array.from({ length: 60 }, () => openSocket(null).catch(() => null)),
    );
    for (const s of sockets) if (s) expect((await s.closed).code).toBe(4401);
    await expect.poll(() => gw.server.subscriptions.sockets()).toBe(0);
  });

  it('bounds sockets per process (JOBGRAPH_MAX_WEBSOCKETS): an upgrade beyond it is answered 503', async () => {
    // Two callers, each at its own cap (JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER, default 20).
    const held = await Promise.all(
      Array.from({ length: 40 }, (_, i) => openSocket(i % 2 ? gw.tokens.read : gw.tokens.secrets)),
    );
    for (const h of held) await h.until((m) => m.type === 'connection_ack');
    expect(gw.server.subscriptions.sockets()).toBe(40);
    const refused = await new Promise<number>((resolve, reject) => {
      const s = new WebSocket(gw.server.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      s.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      s.once('open', () => reject(new Error('opened beyond the limit')));
      s.once('error', () => undefined);
    });
    expect(refused).toBe(503);
    for (const h of held) h.socket.close(1000);
    await Promise.all(held.map((h) => h.closed));
    await expect.poll(() => gw.server.subscriptions.sockets()).toBe(0);
    const again = await openSocket();
    await again.until((m) => m.type === 'connection_ack');
    again.socket.close(1000);
    await again.closed;
  });

  it('closes a frame over the body limit with 1009, logs one line without a stack, and prints nothing to stderr', async () => {
    const writes: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    const originalError = console.error;
    process.stderr.write = (chunk: string | Uint8Array, ...rest: unknown[]) => {
      writes.push(String(chunk));
      return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
    };
    console.error = (...args: unknown[]) => void writes.push(args.map(String).join(' '));
    try {
      const before = gw.logs.lines.length;
      const ws = await openSocket();
      await ws.until((m) => m.type === 'connection_ack');
      ws.socket.send(
        JSON.stringify({
          id: '1',
          type: 'subscribe',
          payload: { query: QUERY, variables: { ids: ['x'.repeat(1_100_000)] } },
        }),
      );
      expect((await ws.closed).code).toBe(1009);
      await expect
        .poll(() => gw.logs.lines.slice(before).some((l) => l.includes('websocket error')))
        .toBe(true);
      const lines = gw.logs.lines.slice(before);
      for (const line of lines) {
        expect(line).not.toMatch(/\n|\\n\s+at | {4}at /);
        expect(line.length).toBeLessThan(2000);
      }
      expect(writes.filter((w) => /WebSocket|Error/.test(w))).toEqual([]);
    } finally {
      process.stderr.write = original;
      console.error = originalError;
    }
  });
});

/** Open a raw SSE request for a running job and cut the connection at one moment of its life. */
function abortAt(
  moment:
    | 'while sending the body'
    | 'right after sending'
    | 'at the response head'
    | 'after the first event',
): Promise<void> {
  const url = new URL(gw.server.url);
  const body = JSON.stringify({ query: QUERY, variables: { ids: [RUNNING] } });
  return new Promise<void>((resolve) => {
    const socket = net.connect(Number(url.port), url.hostname, () => {
      const head =
        `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\ncontent-type: application/json\r\naccept: text/event-stream\r\n` +
        `authorization: Bearer ${gw.tokens.read}\r\ncontent-length: ${body.length}\r\n\r\n`;
      if (moment === 'while sending the body') {
        socket.write(head + body.slice(0, 10), () => socket.destroy());
        return;
      }
      socket.write(head + body);
      if (moment === 'right after sending') return void socket.destroy();
    });
    let received = '';
    socket.on('data', (c: Buffer) => {
      received += c.toString('utf8');
      if (moment === 'at the response head' && received.includes('\r\n\r\n')) socket.destroy();
      if (moment === 'after the first event' && received.includes('event: next')) socket.destroy();
    });
    socket.on('close', () => resolve());
    socket.on('error', () => undefined);
  });
}

describe('SSE streams dropped by the client', () => {
  it('settle at any moment: no subscription, slot, poller or open response left', async () => {
    const moments = [
      'while sending the body',
      'right after sending',
      'at the response head',
      'after the first event',
    ] as const;
    for (let round = 0; round < 25; round++) await Promise.all(moments.map((m) => abortAt(m)));
    await expect.poll(() => gw.server.subscriptions.hub.open()).toBe(0);
    await expect.poll(() => gw.server.subscriptions.openResponses()).toBe(0);
    expect(gw.server.subscriptions.hub.slots.open()).toBe(0);
    expect(gw.server.subscriptions.hub.registry.size()).toBe(0);
  });
});

describe('The jobgraph command after clients dropped their streams', () => {
  it('drains on SIGTERM within its grace and exits 0, closing a live WebSocket subscriber with 1012 (Service Restart)', async () => {
    const demo = await startDemoProcess({ JOBGRAPH_SHUTDOWN_GRACE_MS: '5000' });
    try {
      const url = new URL(demo.url);
      const body = JSON.stringify({ query: QUERY, variables: { ids: [RUNNING] } });
      const drop = () =>
        new Promise<void>((resolve) => {
          const socket = net.connect(Number(url.port), url.hostname, () =>
            socket.write(
              `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\ncontent-type: application/json\r\naccept: text/event-stream\r\n` +
                `authorization: Bearer ${demo.token}\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
            ),
          );
          socket.on('data', () => socket.destroy());
          socket.on('close', () => resolve());
          socket.on('error', () => undefined);
        });
      for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 20 }, drop));
      const live = subscribe(demo.url, 'ws', QUERY, {
        token: demo.token,
        variables: { ids: [RUNNING] },
      });
      expect(await live.next()).toMatchObject({ data: { jobUpdates: { state: 'QUEUED' } } });
      const ended = live.next().catch(() => 'closed');
      // It drains and exits on its own (code 0, no "took too long" line), not cut by its grace.
      demo.child.kill('SIGTERM');
      expect(await demo.exited).toEqual([0, null]);
      await ended;
      expect(live.closes).toEqual([{ code: 1012, reason: 'Service Restart' }]);
      expect(demo.output.stderr).not.toMatch(/shutdown took too long/);
      await live.close();
    } finally {
      demo.child.kill('SIGKILL');
    }
  });
});
