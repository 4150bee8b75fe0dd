import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import {
  CLOCK_TOLERANCE_SECONDS,
  VERIFIED_TOKEN_TTL_MS,
  createTokenVerifier,
} from '../../src/auth/verifyToken.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

// Verified tokens are remembered (src/auth/verifyToken.ts) so a caller's every request does not
// check the signature again; these tests pin what the memory must never change.

const SECRET = 'a-development-secret-of-at-least-32-chars';
const NOW = new Date('2026-01-01T12:00:00Z');
const sign = (exp: number, secret = SECRET) =>
  new SignJWT({ scope: 'jobs:read' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('carol')
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));

/** A verifier of HS256 tokens signed with SECRET. */
const hsVerifier = () =>
  createTokenVerifier({ jwtSecret: SECRET, jwksUrl: null, issuer: null, audience: null });
/** The same, with a clock that stands at NOW and moves only when told: no waiting. */
const hsVerifierAtNow = () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  return hsVerifier();
};

afterEach(() => vi.useRealTimers());

describe('A remembered token', () => {
  it('is refused once it has expired (beyond the clock tolerance), though it was verified before', async () => {
    const verify = hsVerifierAtNow();
    const exp = Math.floor(NOW.getTime() / 1000) + 20; // well inside the cache's own lifetime
    const token = await sign(exp);
    for (let i = 0; i < 3; i++)
      expect(await verify(`Bearer ${token}`)).toMatchObject({
        authenticated: true,
        subject: 'carol',
      });
    vi.setSystemTime(new Date((exp + CLOCK_TOLERANCE_SECONDS + 1) * 1000));
    expect(exp * 1000 + CLOCK_TOLERANCE_SECONDS * 1000 + 1000 - NOW.getTime()).toBeLessThan(
      VERIFIED_TOKEN_TTL_MS,
    );
    await expect(verify(`Bearer ${token}`)).rejects.toThrow('it has expired');
  });

  it('is verified again, with the clock tolerance, after expiring: accepted inside the tolerance and never remembered there', async () => {
    const verify = hsVerifierAtNow();
    const exp = Math.floor(NOW.getTime() / 1000) + 5;
    const token = await sign(exp);
    await verify(`Bearer ${token}`);
    vi.setSystemTime(new Date((exp + 10) * 1000));
    await expect(verify(`Bearer ${token}`)).resolves.toMatchObject({ authenticated: true });
    vi.setSystemTime(new Date((exp + CLOCK_TOLERANCE_SECONDS + 1) * 1000));
    await expect(verify(`Bearer ${token}`)).rejects.toThrow('it has expired');
  });

  it('that failed verification is refused every time (failures are not remembered as successes)', async () => {
    const verify = hsVerifier();
    const forged = await sign(
      Math.floor(Date.now() / 1000) + 300,
      'another-secret-another-secret-another-secret',
    );
    for (let i = 0; i < 2; i++)
      await expect(verify(`Bearer ${forged}`)).rejects.toThrow('its signature does not verify');
  });
});

describe('A token signed with a key taken out of the JWKS', () => {
  const ISSUER = 'https://idp.example.test/';
  const AUDIENCE = 'jobgraph';
  let server: http.Server;
  let url: string;
  let served: unknown[] = [];
  let keyA: Awaited<ReturnType<typeof generateKeyPair>>;
  let keyB: Awaited<ReturnType<typeof generateKeyPair>>;
  let jwkA: object;
  let jwkB: object;

  beforeAll(async () => {
    [keyA, keyB] = await Promise.all([generateKeyPair('ES256'), generateKeyPair('ES256')]);
    jwkA = { ...(await exportJWK(keyA.publicKey)), kid: 'a', alg: 'ES256', use: 'sig' };
    jwkB = { ...(await exportJWK(keyB.publicKey)), kid: 'b', alg: 'ES256', use: 'sig' };
    server = http.createServer((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ keys: served })),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const es = (key: Parameters<SignJWT['sign']>[0], kid: string) =>
    new SignJWT({ scope: 'jobs:read' })
      .setProtectedHeader({ alg: 'ES256', kid })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(key);

  it('is refused as soon as the key set has been fetched again without that key, though it was verified before', async () => {
    served = [jwkA];
    // No wait between fetches for an unknown key, so the test need not wait jose's 30 s.
    const verify = createTokenVerifier(
      { jwtSecret: null, jwksUrl: url, issuer: ISSUER, audience: AUDIENCE },
      { jwksCooldownMs: 0 },
    );
    const tokenA = await es(keyA.privateKey, 'a');
    expect(await verify(`Bearer ${tokenA}`)).toMatchObject({ authenticated: true });
    // The key is rotated out: the JWKS now lists only B. A token signed with B makes the verifier fetch it.
    served = [jwkB];
    expect(await verify(`Bearer ${await es(keyB.privateKey, 'b')}`)).toMatchObject({
      authenticated: true,
    });
    await expect(verify(`Bearer ${tokenA}`)).rejects.toThrow('no key in the key set matches it');
  });
});

describe('Through the HTTP server', () => {
  const gw = useTestGateway();

  it('a remembered token that has expired is answered 401, and no token reaches a log line', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date());
    const token = await mintToken({
      secret: gw.config.auth.jwtSecret as string,
      scopes: ['jobs:read'],
      subject: 'dave',
      ttlSeconds: 20,
    });
    // An authenticated caller with jobs:read gets BAD_USER_INPUT for a malformed ID (no upstream call); anonymous would be refused.
    const query = '{ job(id: "importexport:not-valid!") { id } }';
    for (let i = 0; i < 3; i++) {
      const res = await gql(gw, query, { token });
      expect(res.status).toBe(200);
      expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    vi.setSystemTime(new Date(Date.now() + (20 + CLOCK_TOLERANCE_SECONDS + 1) * 1000));
    const expired = await gql(gw, query, { token });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(expired.body.errors).toEqual([
      {
        message: 'The bearer token is not valid: it has expired.',
        extensions: { code: 'UNAUTHENTICATED' },
      },
    ]);
    const logs = gw.logs.text();
    expect(logs).toContain('rejected bearer token');
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.split('.')[2]);
  });
});
