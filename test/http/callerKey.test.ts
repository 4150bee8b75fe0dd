import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { ANONYMOUS } from '../../src/auth/identity.ts';
import { callerKeyOf } from '../../src/auth/verifyToken.ts';
import { callerOf, clientAddress } from '../../src/http/callerRate.ts';

// Who a caller is for the request rate: a digest of its token's issuer and subject (or ID, or the
// token itself), else of the client address; never a token or a subject in clear.

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';

describe('The caller a token names', () => {
  it('is its issuer and subject, whatever else the token says', () => {
    const alice = callerKeyOf({ iss: 'https://idp.example', sub: 'alice', jti: '1' }, TOKEN);
    expect(callerKeyOf({ iss: 'https://idp.example', sub: 'alice', jti: '2' }, 'other')).toBe(
      alice,
    );
    expect(callerKeyOf({ iss: 'https://other.example', sub: 'alice' }, TOKEN)).not.toBe(alice);
    expect(callerKeyOf({ iss: 'https://idp.example', sub: 'bob' }, TOKEN)).not.toBe(alice);
  });

  it('is its issuer and ID without a subject, else the token itself', () => {
    const byId = callerKeyOf({ iss: 'i', jti: 'token-1' }, TOKEN);
    expect(callerKeyOf({ iss: 'i', jti: 'token-1' }, 'another copy')).toBe(byId);
    expect(callerKeyOf({ iss: 'i', jti: 'token-2' }, TOKEN)).not.toBe(byId);
    expect(callerKeyOf({ iss: 'i' }, TOKEN)).not.toBe(callerKeyOf({ iss: 'i' }, `${TOKEN}x`));
  });

  it('holds neither the token nor the subject, only a digest', () => {
    for (const key of [callerKeyOf({ sub: 'alice@example.com' }, TOKEN), callerKeyOf({}, TOKEN)]) {
      expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(key).not.toContain('alice');
    }
  });
});

describe('The caller of a request without a token', () => {
  const from = (remoteAddress: string) =>
    callerOf(ANONYMOUS, { socket: { remoteAddress } } as unknown as http.IncomingMessage);

  it('is a digest of the client address: one per IPv4 address, IPv4-mapped or not', () => {
    expect(from('203.0.113.7')).toBe(from('::ffff:203.0.113.7'));
    expect(from('203.0.113.7')).not.toBe(from('203.0.113.8'));
    expect(from('203.0.113.7')).not.toContain('203.0.113');
  });

  it('is one per IPv6 /64, however the address is written', () => {
    expect(clientAddress('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddress('::1')).toBe('0:0:0:0::/64');
    expect(clientAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(from('2001:db8:1:2::1')).toBe(from('2001:db8:1:2:ffff::9'));
    expect(from('2001:db8:1:2::1')).not.toBe(from('2001:db8:1:3::1'));
  });
});
