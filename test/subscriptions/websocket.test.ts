import { randomBytes } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { startTestGateway } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { ManualScheduler } from '../support/scheduler.ts';
import { subscribe } from '../support/subscriptions.ts';

const QUERY = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';
const RUNNING = 'importexport:PNDG1';
const ex = exampleGlobalIds();
const JWT_SECRET = randomBytes(32).toString('base64url');
const ALLOWED_ORIGIN = 'https://app.example.com';

const gw = useTestGateway(
  {
    JOBGRAPH_JWT_SECRET: JWT_SECRET,
    JOBGRAPH_MAX_WEBSOCKETS: '10',
    JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER: '4',
    JOBGRAPH_MAX_WEBSOCKETS_PENDING: '20',
    JOBGRAPH_CORS_ORIGINS: ALLOWED_ORIGIN,
  },
  { watchScheduler: new ManualScheduler() },
);

/** A jobs:read token for its own caller (token subject). */
const tokenFor = (subject: string) =>
  mintToken({ secret: JWT_SECRET, scopes: ['jobs:read'], subject });

const wsUrl = () => gw.server.url.replace(/^http/, 'ws');

/** A raw graphql-transport-ws socket, once open (or its refusal's HTTP status), with its messages and close. */
function rawSocket(headers: Record<string, string> = {}) {
  const socket = new WebSocket(wsUrl(), 'graphql-transport-ws', { headers });
  const messages: Record<string, any>[] = [];
  socket.on('message', (data: Buffer) => messages.push(JSON.parse(data.toString('utf8'))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<number>((resolve) => {
    socket.once('open', () => resolve(101));
    socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.once('error', () => resolve(0));
  });
  return { socket, messages, closed, opened };
}

/** A socket that sent `connection_init` with `token`: acknowledged, or closed with a code and reason. */
async function initSocket(token: string) {
  const s = rawSocket();
  expect(await s.opened).toBe(101);
  s.socket.send(
    JSON.stringify({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } }),
  );
  const acked = new Promise<'ack'>((resolve) =>
    s.socket.on('message', (data: Buffer) => {
      if (JSON.parse(data.toString('utf8')).type === 'connection_ack') resolve('ack');
    }),
  );
  const outcome = await Promise.race([acked, s.closed]);
  return { ...s, outcome };
}

/** Lines the gateway logged since `from`, parsed. */
const logLines = (from: number) =>
  gw.logs.lines.slice(from).map((l) => JSON.parse(l) as Record<string, any>);

describe('WebSocket sockets per caller (JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER)', () => {
  it('refuses a reader its sockets beyond the cap at connection_init (4429, naming the variable), and another token holder still connects and subscribes', async () => {
    const before = gw.logs.lines.length;
    const hog = await tokenFor('socket-hog');
    const held = await Promise.all(Array.from({ length: 9 }, () => initSocket(hog)));
    const outcomes = held.map((h) => h.outcome);
    expect(outcomes.filter((o) => o === 'ack')).toHaveLength(4);
    expect(outcomes.filter((o) => o !== 'ack')).toEqual(
      Array.from({ length: 5 }, () => ({
        code: 4429,
        reason: 'Too many sockets for this caller (JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER=4)',
      })),
    );
    // One warn line per refusal, naming the variable; nothing at error level.
    const lines = logLines(before);
    expect(
      lines.filter((l) => l.level === 40 && /JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER/.test(l.msg)),
    ).toHaveLength(5);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);

    // Another caller is not kept out: it connects and subscribes over graphql-ws's client.
    const other = subscribe(gw.server.url, 'ws', QUERY, {
      token: gw.tokens.secrets,
      variables: { ids: [RUNNING] },
    });
    expect(await other.next()).toMatchObject({ data: { jobUpdates: { id: RUNNING } } });
    await other.close();

    // A socket the reader closes frees its slot.
    const acked = held.filter((h) => h.outcome === 'ack');
    acked[0]?.socket.close(1000);
    await acked[0]?.closed;
    const again = await initSocket(hog);
    expect(again.outcome).toBe('ack');
    for (const h of [...acked, again]) h.socket.close(1000);
    await Promise.all([...acked, again].map((h) => h.closed));
  });

  it('refuses a connection_init beyond JOBGRAPH_MAX_WEBSOCKETS with 1013 (Try Again Later), and an upgrade while every slot is taken with 503', async () => {
    const tokens = await Promise.all(['a', 'b', 'c'].map((s) => tokenFor(`filler-${s}`)));
    const held = [];
    for (const token of tokens) for (let i = 0; i < 3; i++) held.push(await initSocket(token));
    expect(held.map((h) => h.outcome)).toEqual(Array.from({ length: 9 }, () => 'ack'));
    // Two sockets open while one slot is left (the upgrade counts only authenticated sockets)...
    const last = await tokenFor('filler-d');
    const first = rawSocket();
    const second = rawSocket();
    expect([await first.opened, await second.opened]).toEqual([101, 101]);
    const init = JSON.stringify({
      type: 'connection_init',
      payload: { Authorization: `Bearer ${last}` },
    });
    first.socket.send(init);
    await new Promise<void>((resolve) => first.socket.once('message', () => resolve()));
    expect(first.messages).toEqual([{ type: 'connection_ack' }]);
    // ...and the second's connection_init finds none.
    second.socket.send(init);
    expect(await second.closed).toEqual({
      code: 1013,
      reason: 'Too many sockets (JOBGRAPH_MAX_WEBSOCKETS=10); try again later',
    });
    expect(await rawSocket().opened).toBe(503);
    for (const h of [...held, first]) h.socket.close(1000);
    await Promise.all([...held, first].map((h) => h.closed));
    await expect.poll(() => gw.server.subscriptions.sockets()).toBe(0);
  });
});

describe('WebSocket sockets before connection_init (JOBGRAPH_MAX_WEBSOCKETS_PENDING)', () => {
  it('lets every connect of a token holder through while an anonymous churner keeps opening sockets that never send connection_init', async () => {
    // The churner keeps 60 sockets (three times the pending pool) opening, each re-opened as soon
    // as the server closes it (a refused one: as soon as another of its sockets closes), until the
    // legitimate caller is done or 5000 sockets were opened.
    let done = false;
    let opened = 0;
    const churnCloses = new Map<number, number>();
    let wake = () => {};
    let aSocketClosed = new Promise<void>((resolve) => (wake = resolve));
    const signal = () => {
      wake();
      aSocketClosed = new Promise<void>((resolve) => (wake = resolve));
    };
    const churnOne = async (): Promise<void> => {
      while (!done && opened < 5000) {
        opened += 1;
        const s = rawSocket();
        if ((await s.opened) !== 101) {
          await aSocketClosed;
          continue;
        }
        const { code } = await s.closed;
        churnCloses.set(code, (churnCloses.get(code) ?? 0) + 1);
        signal();
      }
    };
    const churners = Array.from({ length: 60 }, churnOne);
    // Wait until the pool is under pressure: the churner's first socket closed to make room.
    await expect.poll(() => churnCloses.get(4408) ?? 0, { timeout: 30_000 }).toBeGreaterThan(0);

    let succeeded = 0;
    const failures: unknown[] = [];
    for (let i = 0; i < 21; i++) {
      const sub = subscribe(gw.server.url, 'ws', QUERY, {
        token: gw.tokens.read,
        variables: { ids: [RUNNING] },
      });
      try {
        const event = await sub.next();
        if (event?.data?.jobUpdates?.id === RUNNING) succeeded += 1;
        else failures.push(event);
      } catch (err) {
        failures.push(err);
      } finally {
        await sub.close();
      }
    }
    done = true;
    signal();
    const churned = opened;
    await Promise.all(churners);
    expect({ succeeded, failures }).toEqual({ succeeded: 21, failures: [] });
    // The churner was really churning: its sockets were closed to make room (4408) meanwhile.
    expect(churned).toBeGreaterThan(60);
    expect(churnCloses.get(4408)).toBeGreaterThan(0);
    await expect.poll(() => gw.server.subscriptions.sockets()).toBe(0);
  });

  it('closes a socket that sends no connection_init within INIT_TIMEOUT_MS with 4408', async () => {
    const s = rawSocket();
    expect(await s.opened).toBe(101);
    expect(await s.closed).toEqual({ code: 4408, reason: 'Connection initialisation timeout' });
  });
});

describe('WebSocket upgrades and JOBGRAPH_CORS_ORIGINS', () => {
  it('refuses an upgrade from an origin not allowed with 403, before the handshake', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://localhost:5173']) {
      const s = rawSocket({ Origin: origin });
      expect(await s.opened).toBe(403);
    }
  });

  it.each([
    ['an allowed origin', { Origin: ALLOWED_ORIGIN }],
    ['no Origin (a server or a CLI)', {}],
    ['its own origin (a page jobgraph serves)', 'own' as const],
  ])('serves an upgrade with %s', async (_name, headers) => {
    const s = rawSocket(
      headers === 'own' ? { Origin: `http://${new URL(gw.server.url).host}` } : headers,
    );
    expect(await s.opened).toBe(101);
    s.socket.close(1000);
    await s.closed;
  });

  it.each([
    ['*', 'https://anything.example', 101],
    ['loopback (the demo default)', 'http://localhost:5173', 101],
    ['loopback (the demo default)', 'https://evil.example', 403],
  ])(
    'with JOBGRAPH_CORS_ORIGINS=%s answers an upgrade from %s with %i',
    async (setting, origin, status) => {
      const other = await startTestGateway(setting === '*' ? { JOBGRAPH_CORS_ORIGINS: '*' } : {});
      try {
        const s = new WebSocket(other.server.url.replace(/^http/, 'ws'), 'graphql-transport-ws', {
          headers: { Origin: origin },
        });
        const got = await new Promise<number>((resolve) => {
          s.once('open', () => resolve(101));
          s.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
          s.once('error', () => resolve(0));
        });
        expect(got).toBe(status);
        s.terminate();
      } finally {
        await other.close();
      }
    },
  );
});

describe('A graphql-ws client that breaks the protocol', () => {
  it.each([
    ['next', { id: '1', type: 'next', payload: { data: {} } }],
    ['error', { id: '1', type: 'error', payload: [{ message: 'x' }] }],
    ['connection_ack', { type: 'connection_ack' }],
  ])(
    'is closed with 4400 when it sends a `%s` message, logged below error level',
    async (type, message) => {
      const before = gw.logs.lines.length;
      const s = await initSocket(gw.tokens.read);
      expect(s.outcome).toBe('ack');
      s.socket.send(JSON.stringify(message));
      expect(await s.closed).toEqual({ code: 4400, reason: `Unexpected message of type ${type}` });
      const lines = logLines(before);
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      expect(lines).toContainEqual(expect.objectContaining({ level: 30, messageType: type }));
    },
  );
});

describe('Queries over graphql-ws (every operation over one socket)', () => {
  let client: Client;
  let connects = 0;
  beforeAll(() => {
    client = createClient({
      url: wsUrl(),
      webSocketImpl: WebSocket,
      connectionParams: { Authorization: `Bearer ${gw.tokens.read}` },
      // One socket for the whole test (on its default, the client closes it between operations).
      lazy: false,
      on: { connected: () => void (connects += 1) },
    });
  });
  afterAll(async () => client?.dispose());

  /** Every result of one operation, or what the client threw (graphql-ws hands an `error` message's errors). */
  const run = async (query: string, variables?: Record<string, unknown>) => {
    const results = [];
    try {
      for await (const r of client.iterate({ query, ...(variables ? { variables } : {}) }))
        results.push(r);
      return { results };
    } catch (thrown) {
      return { results, thrown };
    }
  };

  it('answers a job(id:) query, a listJobs query, a secret field refused per field and a query over the cost limit, all on one socket', async () => {
    const job = await run('query($id: ID!) { job(id: $id) { id provider state } }', {
      id: ex.importexport,
    });
    expect(job).toEqual({
      results: [
        {
          data: {
            job: { id: ex.importexport, provider: 'AWS_IMPORT_EXPORT', state: expect.any(String) },
          },
        },
      ],
    });

    const list = await run('{ listJobs(first: 3) { nodes { id } sources { provider state } } }');
    expect(list.thrown).toBeUndefined();
    expect(list.results).toHaveLength(1);
    expect(list.results[0]?.errors).toBeUndefined();
    expect((list.results[0]?.data as any)?.listJobs.nodes).toHaveLength(3);

    const secret = await run(
      'query($id: ID!) { job(id: $id) { id ... on ImportExportJob { signature } } }',
      { id: ex.importexport },
    );
    expect(secret.results).toEqual([
      {
        data: { job: { id: ex.importexport, signature: null } },
        errors: [
          expect.objectContaining({
            path: ['job', 'signature'],
            extensions: expect.objectContaining({ code: 'FORBIDDEN' }),
          }),
        ],
      },
    ]);

    const costly = await run(
      `{ job(id: "${ex.cosbatch}") { ... on CosBatchJob { operation { putObjectCopy { newObjectMetadata { userMetadata { ${'key '.repeat(700)}} } } } } } }`,
    );
    expect(costly.results).toEqual([]);
    expect(costly.thrown).toEqual([
      {
        message: expect.stringMatching(/cost limit of 5000 .*exceeded, found \d+(\.\d+)?\.$/i),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ]);

    // A subscription still goes over the same socket.
    const sub = client.iterate({ query: QUERY, variables: { ids: [RUNNING] } });
    expect((await sub.next()).value).toMatchObject({ data: { jobUpdates: { id: RUNNING } } });
    await sub.return?.(undefined);
    expect(connects).toBe(1);
  });

  it('keeps closing an anonymous socket at connection_init (4401 Unauthorized): no query runs without a token', async () => {
    const s = rawSocket();
    expect(await s.opened).toBe(101);
    s.socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
    expect(await s.closed).toMatchObject({ code: 4401, reason: /^Unauthorized: no bearer token/ });
  });
});
