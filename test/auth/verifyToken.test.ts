import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ANONYMOUS } from '../../src/auth/identity.ts';
import { InvalidTokenError, createTokenVerifier } from '../../src/auth/verifyToken.ts';

const SECRET = 'a-development-secret-of-at-least-32-chars';
const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'jobgraph';

let jwksServer: http.Server;
let jwksUrl: string;
let jwksHits = 0;
let rsa: Awaited<ReturnType<typeof generateKeyPair>>;
let otherRsa: Awaited<ReturnType<typeof generateKeyPair>>;

beforeAll(async () => {
  rsa = await generateKeyPair('RS256');
  otherRsa = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(rsa.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwksServer = http.createServer((_req, res) => {
    jwksHits += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', () => r()));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((r) => jwksServer.close(() => r())));

const rs = (
  key: Parameters<SignJWT['sign']>[0],
  claims: Record<string, unknown> = {},
  iss = ISSUER,
  aud = AUDIENCE,
) =>
  new SignJWT({ scope: 'jobs:read', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuer(iss)
    .setAudience(aud)
    .setExpirationTime('5m')
    .sign(key);

describe('Token verification', () => {
  const hs = createTokenVerifier({
    jwtSecret: SECRET,
    jwksUrl: null,
    issuer: null,
    audience: null,
  });

  it('treats a missing or empty Authorization header as anonymous', async () => {
    expect(await hs(undefined)).toBe(ANONYMOUS);
    expect(await hs('')).toBe(ANONYMOUS);
  });

  it('reads scopes from a space-separated scope claim and an scp array', async () => {
    const token = await new SignJWT({ scope: 'jobs:read  extra', scp: ['jobs:secrets:read'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRET));
    const id = await hs(`Bearer ${token}`);
    expect(id.authenticated).toBe(true);
    expect(id.subject).toBe('alice');
    expect([...id.scopes].sort()).toEqual(['extra', 'jobs:read', 'jobs:secrets:read']);
  });

  it('accepts a token expired by less than the clock tolerance and refuses one expired by more', async () => {
    // The clock stands still, so "10 s ago" stays 10 s ago however slowly the test runs.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(new Date('2026-01-01T12:00:00Z'));
      const now = Math.floor(Date.now() / 1000);
      const sign = (exp: number) =>
        new SignJWT({ scope: 'jobs:read' })
          .setProtectedHeader({ alg: 'HS256' })
          .setExpirationTime(exp)
          .sign(new TextEncoder().encode(SECRET));
      await expect(hs(`Bearer ${await sign(now - 10)}`)).resolves.toMatchObject({
        authenticated: true,
      });
      await expect(hs(`Bearer ${await sign(now - 120)}`)).rejects.toThrow('it has expired');
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a non-Bearer scheme and a non-JWT', async () => {
    await expect(hs('Basic dXNlcjpwYXNz')).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(hs('Bearer abc')).rejects.toThrow('it is not a JWT');
  });

  it('never echoes the token in its error', async () => {
    const token = await new SignJWT({ scope: 'jobs:read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('wrong-secret-wrong-secret-wrong-secret!'));
    const err = await hs(`Bearer ${token}`).catch((e: Error) => e);
    expect(String((err as Error).message)).not.toContain(token.split('.')[2]);
    expect(JSON.stringify(err)).not.toContain(token);
  });

  describe('with a JWKS', () => {
    /** A verifier of tokens from the key set at `jwksUrl`, for ISSUER and AUDIENCE only. */
    const jwksVerifier = () =>
      createTokenVerifier({ jwtSecret: null, jwksUrl, issuer: ISSUER, audience: AUDIENCE });

    it('accepts an RS256 token from the key set with the required issuer and audience, fetching the keys once', async () => {
      const verify = jwksVerifier();
      const before = jwksHits;
      for (let i = 0; i < 3; i++)
        expect((await verify(`Bearer ${await rs(rsa.privateKey)}`)).scopes.has('jobs:read')).toBe(
          true,
        );
      expect(jwksHits - before).toBe(1);
    });

    it('is ready once the key set has been fetched; without a JWKS, at once', async () => {
      expect(
        createTokenVerifier({
          jwtSecret: SECRET,
          jwksUrl: null,
          issuer: null,
          audience: null,
        }).ready(),
      ).toBe(true);
      const verify = jwksVerifier();
      expect(verify.ready()).toBe(false);
      try {
        verify.start();
        // A verification joins the fetch start() began (or makes it), so the set is loaded after it.
        await verify(`Bearer ${await rs(rsa.privateKey)}`);
        expect(verify.ready()).toBe(true);
      } finally {
        verify.stop();
      }
    });

    it('refuses a wrong issuer, a wrong audience and a key not in the set', async () => {
      const verify = jwksVerifier();
      await expect(
        verify(`Bearer ${await rs(rsa.privateKey, {}, 'https://other/')}`),
      ).rejects.toThrow('"iss" claim');
      await expect(
        verify(`Bearer ${await rs(rsa.privateKey, {}, ISSUER, 'other')}`),
      ).rejects.toThrow('"aud" claim');
      await expect(verify(`Bearer ${await rs(otherRsa.privateKey)}`)).rejects.toThrow(
        'signature does not verify',
      );
    });

    it('refuses an HS256 token signed with the public key bytes (algorithm confusion)', async () => {
      const verify = jwksVerifier();
      const jwk = await exportJWK(rsa.publicKey);
      const token = await new SignJWT({ scope: 'jobs:read' })
        .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(JSON.stringify(jwk)));
      await expect(verify(`Bearer ${token}`)).rejects.toThrow('signing algorithm is not accepted');
    });
  });
});
