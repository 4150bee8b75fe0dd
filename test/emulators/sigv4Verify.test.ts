import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { DEMO_AWS_CREDENTIALS, type EmulatorRequest } from '@jobgraph/emulators/framework';
import { verifySigV4, type SigV4Expectation } from '@jobgraph/emulators/sigv4Verify';

const NOW = Date.parse('2026-03-15T10:00:00Z');
const HOST = '127.0.0.1:4105';
const BODY = '{"id":"11111111-2222-4333-8444-555555555555"}';
const expectation: SigV4Expectation = {
  service: 'codepipeline',
  region: 'us-east-1',
  credentials: DEMO_AWS_CREDENTIALS,
  now: () => NOW,
};

/** A request as the emulator framework hands it over, signed by @smithy/signature-v4 at `signedAt`. */
async function signedRequest(
  opts: {
    service?: string;
    secretAccessKey?: string;
    accessKeyId?: string;
    signedAt?: number;
    applyChecksum?: boolean;
  } = {},
): Promise<EmulatorRequest> {
  const signer = new SignatureV4({
    service: opts.service ?? 'codepipeline',
    region: 'us-east-1',
    credentials: {
      accessKeyId: opts.accessKeyId ?? DEMO_AWS_CREDENTIALS.accessKeyId,
      secretAccessKey: opts.secretAccessKey ?? DEMO_AWS_CREDENTIALS.secretAccessKey,
    },
    sha256: Sha256,
    applyChecksum: opts.applyChecksum ?? false,
  });
  const signed = await signer.sign(
    new HttpRequest({
      method: 'POST',
      protocol: 'http:',
      hostname: '127.0.0.1',
      port: 4105,
      path: '/',
      headers: {
        host: HOST,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'CodePipeline_20150709.GetJobDetails',
      },
      body: BODY,
    }),
    { signingDate: new Date(opts.signedAt ?? NOW) },
  );
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = v;
  return {
    method: 'POST',
    path: '/',
    rawPath: '/',
    query: new URLSearchParams(),
    headers,
    body: BODY,
  };
}

describe('verifySigV4', () => {
  it('accepts a request signed with the expected key, service and region', async () => {
    expect(await verifySigV4(await signedRequest(), expectation)).toEqual({
      ok: true,
      accessKeyId: DEMO_AWS_CREDENTIALS.accessKeyId,
    });
  });

  it('names what is wrong with a request it refuses', async () => {
    const reasonFor = async (req: EmulatorRequest) => {
      const check = await verifySigV4(req, expectation);
      return check.ok ? 'ok' : check.reason;
    };
    const good = await signedRequest();
    const { authorization: _auth, ...unsigned } = good.headers;
    expect(await reasonFor({ ...good, headers: unsigned })).toBe('missing');
    expect(
      await reasonFor({
        ...good,
        headers: { ...good.headers, authorization: 'AWS AKID:signature' },
      }),
    ).toBe('malformed');
    expect(await reasonFor(await signedRequest({ accessKeyId: 'AKIDUNKNOWN000000000' }))).toBe(
      'unknown-key',
    );
    expect(await reasonFor(await signedRequest({ service: 'omics' }))).toBe('wrong-scope');
    expect(await reasonFor(await signedRequest({ signedAt: NOW - 16 * 60 * 1000 }))).toBe('skewed');
    expect(await reasonFor(await signedRequest({ secretAccessKey: 'not-the-demo-secret' }))).toBe(
      'mismatch',
    );
    expect(await reasonFor({ ...good, body: BODY.replace('1111', '9999') })).toBe('mismatch');
  });

  it('checks a declared x-amz-content-sha256 against the body, since the signature covers only the declaration', async () => {
    const withHash = await signedRequest({ applyChecksum: true });
    expect(withHash.headers['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
    expect((await verifySigV4(withHash, expectation)).ok).toBe(true);
    const changed = await verifySigV4(
      { ...withHash, body: BODY.replace('1111', '9999') },
      expectation,
    );
    expect(changed.ok ? 'ok' : changed.reason).toBe('mismatch');
  });

  it('accepts any region in the scope when none is expected', async () => {
    const { region: _region, ...anyRegion } = expectation;
    expect((await verifySigV4(await signedRequest(), anyRegion)).ok).toBe(true);
  });
});
