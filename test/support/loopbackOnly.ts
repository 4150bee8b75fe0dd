/**
 * Vitest setup file (every test file, in every fork): the tests may talk to loopback and Unix sockets only.
 *
 * Node publishes every outgoing TCP connect on the `net.client.socket` diagnostics channel (from
 * `Socket.prototype.connect`, so node:net, node:http(s), node:tls and undici/fetch all pass through it), before the
 * socket looks its host up or connects. For each such socket this module
 *  - gives it a `net.BlockList` of every address outside 127.0.0.0/8 and ::1 (the socket's own `blockList`, what the
 *    documented `blockList` connect option sets), which Node checks before connect(2): a connect to anywhere else
 *    fails with ERR_IP_BLOCKED and no SYN leaves the machine;
 *  - records each attempt at such an address (its `lookup`, `connectionAttempt` and `connectionAttemptFailed` events),
 *    prints it at once, and fails the running test from an `afterEach` (a `beforeEach` for beforeAll hooks, an
 *    `afterAll` for afterAll hooks), naming host:port and where the connect was made.
 * undici's `undici:client:beforeConnect` channel names a fetch's host:port before its DNS lookup, and covers a custom
 * undici connector that would bypass node:net.
 *
 * DNS: Node has no diagnostics channel or other public hook for `dns.lookup`/`dns.resolve*`, so a lookup cannot be
 * stopped (and wrapping node:dns is not an option). A connect to a name other than `localhost` is caught after its
 * lookup: the `lookup` event records the name, and the connect to what it resolved to is refused as above; but the
 * query itself has already gone to the resolver. A bare `dns.lookup()` call outside a connect goes unnoticed.
 * UDP (`node:dgram`) is not guarded either: the `udp.socket` channel offers no hook before a send.
 */
import { subscribe } from 'node:diagnostics_channel';
import { BlockList, isIP, type Socket } from 'node:net';
import { afterAll, afterEach, beforeEach } from 'vitest';
import { isLoopbackHost } from '../../src/http/loopback.ts';

/** One refused (or, with a socket's own blockList, merely seen) connection attempt beyond loopback. */
export interface NetworkViolation {
  /** The name or address the caller asked for. */
  host: string;
  /** The address it resolved to, when a lookup happened. */
  address?: string;
  port?: number;
  /** Which hook saw it: 'net' (node:net and everything on it), 'undici' (fetch), 'dns' (a failed lookup). */
  via: string;
  /** Where the connect was started. */
  stack?: string;
}

/** Every address but those: Node refuses a connect to an address a socket's blockList matches. */
const BEYOND_LOOPBACK = new BlockList();
BEYOND_LOOPBACK.addRange('0.0.0.0', '126.255.255.255', 'ipv4');
BEYOND_LOOPBACK.addRange('128.0.0.0', '255.255.255.255', 'ipv4');
BEYOND_LOOPBACK.addAddress('::', 'ipv6');
BEYOND_LOOPBACK.addRange('::2', '::ffff:7eff:ffff', 'ipv6');
BEYOND_LOOPBACK.addRange('::ffff:8000:0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 'ipv6');

/** Whether a host name or address stays on this machine's loopback: 127.0.0.0/8, ::1 (also in brackets), localhost. */
export const isLoopback = isLoopbackHost;

/** Shared by every evaluation of this module in one process (vitest may evaluate setup files once per test file). */
interface GuardState {
  violations: NetworkViolation[];
}
const STATE_KEY = Symbol.for('jobgraph.test.loopbackOnly');
const state: GuardState =
  ((globalThis as Record<symbol, unknown>)[STATE_KEY] as GuardState | undefined) ?? install();

/** Formats a violation as one line: host[ (address)]:port via … */
export function describeViolation(v: NetworkViolation): string {
  const host = isIP(v.host) === 6 && v.port !== undefined ? `[${v.host}]` : v.host;
  const target = v.port === undefined ? host : `${host}:${v.port}`;
  return `${target}${v.address !== undefined && v.address !== v.host ? ` (${v.address})` : ''} via ${v.via}`;
}

/**
 * Records an attempt to reach `host` (port, resolved address) beyond loopback, and prints it at once. Returns false
 * (recording nothing) for a loopback target. The same host:port seen by two hooks (undici, then node:net) is one entry.
 */
export function recordConnectAttempt(v: NetworkViolation): boolean {
  if (isLoopback(v.address ?? v.host)) return false;
  const same = state.violations.find(
    (o) => o.host === v.host && (o.port === v.port || o.port === undefined || v.port === undefined),
  );
  if (same) {
    if (same.address === undefined && v.address !== undefined) same.address = v.address;
    if (same.port === undefined && v.port !== undefined) same.port = v.port;
    if (same.stack === undefined && v.stack !== undefined) same.stack = v.stack;
    return true;
  }
  state.violations.push({ ...v });
  console.error(
    `[loopbackOnly] connection attempt beyond loopback (the test will fail): ${describeViolation(v)}${v.stack ? `\n${v.stack}` : ''}`,
  );
  return true;
}

/** The violations recorded since the last call, which clears them (the guard's own test uses it to look, and forgive). */
export function takeViolations(): NetworkViolation[] {
  return state.violations.splice(0);
}

function install(): GuardState {
  const installed: GuardState = { violations: [] };
  (globalThis as Record<symbol, unknown>)[STATE_KEY] = installed;
  const seen = new WeakSet<Socket>();

  subscribe('net.client.socket', (message) => {
    const { socket } = message as { socket: Socket };
    if (seen.has(socket)) return; // connect() again on the same socket: already watched
    seen.add(socket);
    // Published synchronously from socket.connect(): this names the caller (formatted only if it is reported).
    const trace = new Error('connect');
    const stack = (): string | undefined => trace.stack?.split('\n').slice(3, 13).join('\n');
    // A socket given its own blockList by the code under test keeps it; an attempt beyond loopback is still recorded.
    const withBlockList = socket as Socket & { blockList?: BlockList };
    if (!withBlockList.blockList) withBlockList.blockList = BEYOND_LOOPBACK;
    let host: string | undefined;
    socket.on(
      'lookup',
      (
        err: Error | null,
        _address: string | undefined,
        _family: number | undefined,
        name: string,
      ) => {
        host = name;
        // Not found locally, so the name went to DNS; there will be no connect to record. (A name that resolved is
        // recorded at its connect attempt, below, with the port.)
        if (err && !isLoopback(name))
          recordConnectAttempt({ host: name, via: `dns (${err.message})`, ...withStack(stack()) });
      },
    );
    const onAttempt = (address: string, port: number, family: number | undefined): void => {
      if (family !== 4 && family !== 6) return; // a Unix socket (or named pipe): fine
      if (isLoopback(address)) return;
      recordConnectAttempt({
        host: host ?? address,
        ...(host === undefined ? {} : { address }),
        port,
        via: 'net',
        ...withStack(stack()),
      });
    };
    socket.on('connectionAttempt', onAttempt);
    socket.on('connectionAttemptFailed', onAttempt);
  });

  subscribe('undici:client:beforeConnect', (message) => {
    const { connectParams } = message as {
      connectParams: { hostname: string; port: string | number; protocol: string };
    };
    const port = Number(connectParams.port) || (connectParams.protocol === 'https:' ? 443 : 80);
    const host = connectParams.hostname.replace(/^\[(.*)\]$/, '$1');
    if (!isLoopback(host))
      recordConnectAttempt({
        host,
        port,
        via: 'undici',
        ...withStack(new Error('fetch').stack?.split('\n').slice(3, 13).join('\n')),
      });
  });

  return installed;
}

/** `{ stack }`, or nothing (exactOptionalPropertyTypes). */
function withStack(stack: string | undefined): { stack?: string } {
  return stack === undefined ? {} : { stack };
}

function failOnViolations(when: string): void {
  const found = takeViolations();
  if (found.length === 0) return;
  throw new Error(
    `Network isolation: ${when} tried to connect beyond loopback (tests may reach only 127.0.0.0/8, ::1, localhost and Unix sockets):\n` +
      found
        .map(
          (v) =>
            `  - ${describeViolation(v)}${v.stack ? `\n${v.stack.replace(/^/gm, '      ')}` : ''}`,
        )
        .join('\n'),
  );
}

// Before each test: what beforeAll hooks (or a previous test, after its end) did; after it: what the test did.
beforeEach(() =>
  failOnViolations(
    'code run before this test (a beforeAll hook, or the previous test after it ended)',
  ),
);
afterEach(() => failOnViolations('this test'));
afterAll(() => failOnViolations("this file's hooks"));
