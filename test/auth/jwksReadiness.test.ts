import { EventEmitter, once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { operatorToken, readyz as readyzAs } from '../support/accountTokens.ts';
import { gql, startTestGateway, type TestGateway } from '../support/gateway.ts';

const ISSUER = 'https://idp.example.test/';
const AUDIENCE = 'jobgraph';

/** A key server that answers 503 until told to serve, and says when it has served the keys. */
class KeyServer extends EventEmitter {
  serving = false;
  requests = 0;
  readonly server: http.Server;
  constructor(jwks: unknown) {
    super();
    this.server = http.createServer((_req, res) => {
      this.requests += 1;
      if (!this.serving) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('key store warming up');
        this.emit('failed');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(jwks), () => this.emit('served'));
    });
  }
  async listen(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/.well-known/jwks.json`;
  }
}

let keys: KeyServer;
let jwksUrl: string;
let gw: TestGateway;
let sign: () => Promise<string>;
beforeAll(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  keys = new KeyServer({
    keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }],
  });
  jwksUrl = await keys.listen();
  sign = () =>
    new SignJWT({ scope: 'jobs:read' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('rs-reader')
      .setExpirationTime('5m')
      .sign(privateKey);
  const firstFailure = once(keys, 'failed');
  gw = await startTestGateway({
    // The query stands for a credential some key stores take in the URL: it must not reach the log.
    JOBGRAPH_JWKS_URL: `${jwksUrl}?access=hunter2`,
    JOBGRAPH_JWT_ISSUER: ISSUER,
    JOBGRAPH_JWT_AUDIENCE: AUDIENCE,
  });
  await firstFailure; // fetched at start, before any token arrived
});
afterAll(async () => {
  await gw?.close();
  await new Promise<void>((r) => keys.server.close(() => r()));
});

const readyz = async () => {
  const res = await fetch(new URL('/readyz', gw.server.url));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const logLines = () => gw.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe('A configured JWKS that cannot be fetched', () => {
  it('is fetched at start; until it has been, /readyz is 503 and a token gets 401, with the cause logged at warn with the URL', async () => {
    expect(keys.requests).toBeGreaterThanOrEqual(1);
    const token = await sign();
    const res = await gql(gw, `{ job(id: "${exampleGlobalIds().importexport}") { id } }`, {
      token,
    });
    expect(res.status).toBe(401);
    expect(res.body.errors?.[0]?.message).toBe(
      'The bearer token is not valid: it could not be verified.',
    );

    const notReady = await readyz();
    expect(notReady.status).toBe(503);
    // Anonymous: not ready, and nothing about why; an operator (an HS256 token) is told why.
    expect(notReady.body).toEqual({ status: 'not ready' });
    const told = await readyzAs(gw.server.url, await operatorToken(gw));
    expect(told.status).toBe(503);
    expect(told.body).toMatchObject({
      status: 'not ready',
      reason: 'the JWKS (JOBGRAPH_JWKS_URL) has not been fetched yet',
    });

    const warnings = logLines().filter((l) => l.level === 40 && l.jwksUrl !== undefined);
    // One for the fetch at start, one for the token that could not be verified.
    expect(warnings.map((l) => l.msg)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^the JWKS could not be fetched/),
        expect.stringMatching(/^a token could not be verified with the JWKS/),
      ]),
    );
    for (const w of warnings) {
      expect(w.jwksUrl).toBe(jwksUrl);
      expect(String(w.cause)).toMatch(/Expected 200 OK/);
    }
    expect(logLines().filter((l) => (l.level as number) >= 50)).toEqual([]);
    expect(gw.logs.text()).not.toContain('hunter2');
    expect(gw.logs.text()).not.toContain(token);
    expect(gw.logs.text()).not.toContain(token.split('.')[2]);
  });

  it('is fetched again in the background until it succeeds; then /readyz is 200 and its tokens verify', async () => {
    keys.serving = true;
    await once(keys, 'served'); // the background retry, not a request of ours
    // The gateway reads the served response a moment after it was written: ask until it says so.
    let ready = await readyz();
    while (ready.status !== 200) ready = await readyz();
    expect(ready.body).toEqual({ status: 'ready' });

    const served = keys.requests;
    const res = await gql(gw, `{ job(id: "${exampleGlobalIds().importexport}") { id } }`, {
      token: await sign(),
    });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ job: { id: exampleGlobalIds().importexport } });
    expect(keys.requests).toBe(served); // the fetched key set is used, not fetched again
    expect(logLines().some((l) => l.msg === 'JWKS fetched' && l.jwksUrl === jwksUrl)).toBe(true);
  });
});
