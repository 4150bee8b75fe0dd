import { once } from 'node:events';
import { createServer } from 'node:http';
import { connect, type AddressInfo, type LookupFunction, type NetConnectOpts } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isLoopback, takeViolations } from './support/loopbackOnly.ts';

// 192.0.2.0/24 is TEST-NET-1 (RFC 5737): documentation only, routed nowhere. The guard refuses it before connect(2),
// so not even a SYN is sent (checked under strace: the suite makes no connect() beyond 127.0.0.1, ::1 and AF_UNIX).
const TEST_NET = '192.0.2.1';

/** Settles with the socket's error, or null once it connected. */
async function connectOutcome(options: NetConnectOpts): Promise<NodeJS.ErrnoException | null> {
  const socket = connect(options);
  try {
    const [first] = await Promise.race([
      once(socket, 'connect').then(() => [null]),
      once(socket, 'error'),
    ]);
    return first as NodeJS.ErrnoException | null;
  } finally {
    socket.destroy();
  }
}

describe('The test network guard (test/support/loopbackOnly.ts)', () => {
  // The attempts below are the guard's own: looked at and forgiven here, so that its afterEach passes.
  afterEach(() => {
    takeViolations();
  });

  it('is set up with the Apollo usage exporter switched off', () => {
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('1');
  });

  it('knows loopback from the rest', () => {
    for (const host of [
      '127.0.0.1',
      '127.1.2.3',
      '::1',
      '[::1]',
      '::ffff:127.0.0.1',
      'localhost',
      'LOCALHOST',
    ])
      expect(isLoopback(host), host).toBe(true);
    for (const host of [
      TEST_NET,
      '169.254.169.254',
      '100.100.100.200',
      '0.0.0.0',
      '::',
      '2001:db8::1',
      '::ffff:192.0.2.1',
      'metadata.google.internal',
    ])
      expect(isLoopback(host), host).toBe(false);
  });

  it('refuses a TCP connect to a non-loopback address before it is made, and records host:port', async () => {
    const err = await connectOutcome({ host: TEST_NET, port: 9 });
    expect(err?.code).toBe('ERR_IP_BLOCKED');
    expect(takeViolations()).toEqual([
      expect.objectContaining({ host: TEST_NET, port: 9, via: 'net' }),
    ]);
  });

  it('refuses a name that resolves beyond loopback, and records the name and its address', async () => {
    // A lookup function stands in for DNS (no query leaves the machine): the name resolves to TEST-NET-1.
    const lookup = ((_name, options, callback) =>
      options.all
        ? callback(null, [{ address: TEST_NET, family: 4 }])
        : callback(null, TEST_NET, 4)) as LookupFunction;
    const err = await connectOutcome({ host: 'metadata.google.internal', port: 80, lookup });
    expect(err?.code).toBe('ERR_IP_BLOCKED');
    expect(takeViolations()).toEqual([
      expect.objectContaining({ host: 'metadata.google.internal', address: TEST_NET, port: 80 }),
    ]);
  });

  it('records a name that did not resolve locally (so its query went to DNS)', async () => {
    const lookup = ((name, _options, callback) =>
      callback(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' }),
        '',
        4,
      )) as LookupFunction;
    const err = await connectOutcome({ host: 'metadata.google.internal', port: 80, lookup });
    expect(err?.code).toBe('ENOTFOUND');
    expect(takeViolations()).toEqual([
      expect.objectContaining({
        host: 'metadata.google.internal',
        via: expect.stringMatching(/^dns/),
      }),
    ]);
  });

  it('refuses fetch beyond loopback, and records host:port', async () => {
    const failure = await fetch(`http://${TEST_NET}:8080/`).then(
      () => null,
      (e: unknown) => e as Error & { cause?: NodeJS.ErrnoException },
    );
    expect(failure?.cause?.code).toBe('ERR_IP_BLOCKED');
    expect(takeViolations()).toEqual([expect.objectContaining({ host: TEST_NET, port: 8080 })]);
  });

  it('lets loopback through, by address and by name, and records nothing', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    try {
      expect(await connectOutcome({ host: '127.0.0.1', port })).toBeNull();
      expect(await connectOutcome({ host: 'localhost', port, family: 4 })).toBeNull();
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe('ok');
      expect(await (await fetch(`http://localhost:${port}/`)).text()).toBe('ok');
      expect(takeViolations()).toEqual([]);
    } finally {
      server.close();
      server.closeAllConnections();
    }
  });
});
