import { describe, expect, it } from 'vitest';
import { demoExposureWarning, isLoopbackHost } from '../src/app.ts';

describe('isLoopbackHost', () => {
  const expectLoopback = (loopback: boolean) => (host: string) =>
    expect(isLoopbackHost(host)).toBe(loopback);

  it.each([
    '127.0.0.1',
    '127.1.2.3',
    '127.255.255.254',
    '::1',
    '[::1]',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    'localhost',
    'LocalHost',
    ' localhost ',
  ])('treats %j as reachable only from this machine', expectLoopback(true));

  it.each([
    '0.0.0.0',
    '::',
    '[::]',
    '10.0.0.7',
    '192.168.1.20',
    '128.0.0.1',
    '::2',
    '::ffff:10.0.0.1',
    'fe80::1',
    'example.com',
    'localhost.example.com',
    '127.0.0.1.nip.io',
    '',
  ])('treats %j as possibly reachable from elsewhere', expectLoopback(false));
});

describe('The demo start banner', () => {
  it('warns loudly that the embedded token is exposed when the demo listens beyond loopback', () => {
    const warning = demoExposureWarning('0.0.0.0')?.join('\n');
    expect(warning).toMatch(/WARNING/);
    expect(warning).toContain('0.0.0.0');
    expect(warning).toMatch(/anyone who can reach this port/);
    expect(warning).toMatch(/token/);
  });

  it('says nothing on loopback', () => {
    for (const host of ['127.0.0.1', '::1', 'localhost'])
      expect(demoExposureWarning(host)).toBeNull();
  });
});
