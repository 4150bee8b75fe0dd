import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { startDemoProcess, type DemoProcess } from '../support/demoProcess.ts';

// Socket abuse against the real `jobgraph demo` process: connections reset mid-write, half-open
// upgrades, garbage before the upgrade, broken frames. Whatever the clients do, the process prints
// nothing but its JSON log lines, never a raw stack trace, and keeps serving.

const RUNNING = 'importexport:PNDG1';
const JWT_SECRET = randomBytes(32).toString('base64url');
let serial = 0;

let demo: DemoProcess;
beforeAll(async () => {
  demo = await startDemoProcess({
    JOBGRAPH_JWT_SECRET: JWT_SECRET,
    JOBGRAPH_MAX_WEBSOCKETS_PENDING: '20',
    JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER: '3',
    JOBGRAPH_CORS_ORIGINS: 'https://app.example.com',
  });
});
afterAll(() => void demo?.child.kill('SIGKILL'));

/** A WebSocket upgrade request's head for /graphql (or `path`), with extra header lines. */
function upgradeHead(extra: string[] = [], path = '/graphql'): string {
  const url = new URL(demo.url);
  return [
    `GET ${path} HTTP/1.1`,
    `Host: ${url.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
    'Sec-WebSocket-Version: 13',
    'Sec-WebSocket-Protocol: graphql-transport-ws',
    ...extra,
    '',
    '',
  ].join('\r\n');
}

/** One client frame (masked unless told), text by default; payloads under 64 KiB. */
function frame(payload: string | Buffer, opts: { opcode?: number; masked?: boolean } = {}) {
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const { opcode = 1, masked = true } = opts;
  const len = body.length;
  const head =
    len < 126
      ? Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | len])
      : Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | 126, len >> 8, len & 0xff]);
  if (!masked) return Buffer.concat([head, body]);
  const mask = randomBytes(4);
  return Buffer.concat([head, mask, body.map((b, i) => b ^ (mask[i % 4] as number))]);
}

const message = (m: Record<string, unknown>) => frame(JSON.stringify(m));
/** A `connection_init` frame with a jobs:read token of `subject` (by default a caller of its own, never at its socket cap). */
const init = async (subject = `abuser-${(serial += 1)}`) => {
  const token = await mintToken({ secret: JWT_SECRET, scopes: ['jobs:read'], subject });
  return message({ type: 'connection_init', payload: { Authorization: `Bearer ${token}` } });
};

/**
 * A raw TCP connection to the server running `script`, which writes and waits for what the server
 * sends (`until`); resolves once the connection is closed, however it ends.
 */
function connection(
  script: (c: {
    socket: net.Socket;
    until: (text: string) => Promise<void>;
    received: () => string;
    reset: () => void;
  }) => unknown,
): Promise<void> {
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

/** Each way of abusing a socket, run many times at once. */
const ABUSES: [string, () => Promise<void>][] = [
  [
    'garbage instead of a request',
    () => connection(({ socket }) => void socket.write(randomBytes(300))),
  ],
  [
    'garbage before an upgrade',
    () => connection(({ socket }) => void socket.write(`\x00\xffNOT HTTP\r\n${upgradeHead()}`)),
  ],
  [
    'a half-written upgrade, then a reset',
    () =>
      connection(({ socket, reset }) => socket.write(upgradeHead().slice(0, 90), () => reset())),
  ],
  [
    'an upgrade reset before its answer',
    () => connection(({ socket, reset }) => socket.write(upgradeHead(), () => reset())),
  ],
  [
    'an upgrade reset after its answer',
    () =>
      connection(async ({ socket, until, reset }) => {
        socket.write(upgradeHead());
        await until('\r\n\r\n');
        reset();
      }),
  ],
  [
    'refused upgrades (bad path, bad origin, bad key) reset at once',
    () =>
      Promise.all([
        connection(({ socket, reset }) => socket.write(upgradeHead([], '/nope'), () => reset())),
        connection(({ socket, reset }) =>
          socket.write(upgradeHead(['Origin: https://evil.example']), () => reset()),
        ),
        connection(({ socket, reset }) =>
          socket.write(
            upgradeHead().replace(/Sec-WebSocket-Key: \S+/, 'Sec-WebSocket-Key: x'),
            () => reset(),
          ),
        ),
      ]).then(() => undefined),
  ],
  ...(['at once', 'after the first result'] as const).map((when): [string, () => Promise<void>] => [
    `a subscription and a query, reset ${when} while the server writes their results`,
    async () => {
      const hello = await init();
      return connection(async ({ socket, until, reset }) => {
        socket.write(upgradeHead());
        await until('\r\n\r\n');
        socket.write(hello);
        await until('connection_ack');
        const operations = Buffer.concat([
          message({
            id: 's',
            type: 'subscribe',
            payload: {
              query: 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }',
              variables: { ids: [RUNNING] },
            },
          }),
          message({
            id: 'q',
            type: 'subscribe',
            payload: { query: '{ listJobs(first: 50) { nodes { id state providerStatus } } }' },
          }),
        ]);
        if (when === 'at once') return void socket.write(operations, () => reset());
        socket.write(operations);
        await until('"next"');
        reset();
      });
    },
  ]),
  [
    'broken frames (unmasked, reserved opcode, absurd length)',
    () =>
      Promise.all(
        [
          frame('{"type":"connection_init"}', { masked: false }),
          frame('x', { opcode: 0x3 }),
          Buffer.from([0x81, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
        ].map((bad) =>
          connection(async ({ socket, until }) => {
            socket.write(upgradeHead());
            await until('\r\n\r\n');
            socket.write(bad);
          }),
        ),
      ).then(() => undefined),
  ],
  [
    'server-only messages (next, error, connection_ack) after connection_init',
    async () => {
      const hello = await init();
      return connection(async ({ socket, until }) => {
        socket.write(upgradeHead());
        await until('\r\n\r\n');
        socket.write(hello);
        await until('connection_ack');
        socket.write(message({ id: '1', type: 'next', payload: { data: {} } }));
      });
    },
  ],
  [
    'sockets that never send connection_init (the pending pool overflows)',
    () =>
      Promise.all(
        Array.from({ length: 4 }, () =>
          connection(({ socket }) => void socket.write(upgradeHead())),
        ),
      ).then(() => undefined),
  ],
  [
    'one caller opening sockets until one is refused at its cap, then resetting them all',
    async () => {
      const hello = await init();
      let refused = false;
      const resets: (() => void)[] = [];
      const connections: Promise<void>[] = [];
      // The acknowledged sockets are held, so the fourth is refused; one closed before its
      // connection_init (the pending pool overflowing) is opened again.
      for (let attempt = 0; attempt < 20 && !refused; attempt++) {
        await new Promise<void>((settled) => {
          const c = connection(async ({ socket, until, received, reset }) => {
            socket.write(upgradeHead());
            await until('\r\n\r\n');
            socket.write(hello);
            await Promise.race([
              until('connection_ack'),
              until('JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER'),
            ]);
            if (received().includes('JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER')) refused = true;
            resets.push(reset);
            settled();
          });
          connections.push(c);
          void c.then(() => settled());
        });
      }
      for (const reset of resets) reset();
      await Promise.all(connections);
      expect(refused).toBe(true);
    },
  ],
];

describe('The jobgraph process under socket abuse', () => {
  it('prints nothing but JSON log lines, logs nothing at error level, and keeps serving', async () => {
    const from = { stdout: demo.output.stdout.length, stderr: demo.output.stderr.length };
    for (let round = 0; round < 3; round++)
      await Promise.all(ABUSES.flatMap(([, abuse]) => Array.from({ length: 8 }, abuse)));

    // Still serving: a query answers, and its log line marks the end of what the abuse logged.
    const res = await fetch(demo.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${demo.token}`,
        'x-request-id': 'after-the-abuse',
      },
      body: JSON.stringify({ query: `{ job(id: "${RUNNING}") { id } }` }),
    });
    expect(res.status).toBe(200);
    await expect.poll(() => demo.output.stdout.includes('"after-the-abuse"')).toBe(true);
    expect(demo.child.exitCode).toBeNull();

    const printed = {
      stdout: demo.output.stdout.slice(from.stdout),
      stderr: demo.output.stderr.slice(from.stderr),
    };
    const lines = [...printed.stdout.split('\n'), ...printed.stderr.split('\n')].filter(Boolean);
    const notJson = lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    // The abuse did reach the WebSocket code: its refusals and closes are among the lines.
    const messages = new Set(logged.map((l) => l.msg));
    expect([...messages]).toEqual(
      expect.arrayContaining([
        'websocket refused: origin not allowed (JOBGRAPH_CORS_ORIGINS)',
        'websocket pending pool full: closing the oldest sockets without connection_init (JOBGRAPH_MAX_WEBSOCKETS_PENDING)',
        'websocket closed: the client sent a message only a server sends',
        'websocket refused at connection_init: too many sockets for this caller (JOBGRAPH_MAX_WEBSOCKETS_PER_CALLER)',
        'websocket error',
      ]),
    );

    // And it still shuts down cleanly.
    demo.child.kill('SIGTERM');
    expect(await demo.exited).toEqual([0, null]);
  });
});
