import COS from 'cos-nodejs-sdk-v5';
import { describe, expect, it } from 'vitest';
import {
  verifyCosSignature,
  type CosSignatureExpectation,
} from '@jobgraph/emulators/cosbatch/signature';
import { DEMO_TENCENT_CREDENTIALS, type EmulatorRequest } from '@jobgraph/emulators/framework';

const NOW_S = 1773568800; // 2026-03-15T10:00:00Z
const HOST = `${DEMO_TENCENT_CREDENTIALS.uin}.cos-control.${DEMO_TENCENT_CREDENTIALS.region}.myqcloud.com`;
const PATH = '/jobs/00000000-0000-4000-8000-000000000001';
const expectation: CosSignatureExpectation = {
  credentials: DEMO_TENCENT_CREDENTIALS,
  now: () => NOW_S * 1000,
  requiredSignedHeaders: ['host'],
};

/** A DescribeJob request signed by the official COS Node SDK (the independent signer). */
function signedRequest(
  opts: {
    secretKey?: string;
    secretId?: string;
    keyTime?: string;
    headers?: Record<string, string>;
  } = {},
): EmulatorRequest {
  const headers = opts.headers ?? { host: HOST, 'x-cos-appid': DEMO_TENCENT_CREDENTIALS.appId };
  const authorization = COS.getAuthorization({
    SecretId: opts.secretId ?? DEMO_TENCENT_CREDENTIALS.secretId,
    SecretKey: opts.secretKey ?? DEMO_TENCENT_CREDENTIALS.secretKey,
    Method: 'GET',
    Pathname: PATH,
    Query: {},
    Headers: headers,
    KeyTime: opts.keyTime ?? `${NOW_S - 60};${NOW_S + 600}`,
  });
  return {
    method: 'GET',
    path: PATH,
    rawPath: PATH,
    query: new URLSearchParams(),
    headers: { ...headers, host: HOST, authorization },
    body: '',
  };
}

const codeOf = (req: EmulatorRequest): string => {
  const check = verifyCosSignature(req, expectation);
  return check.ok ? 'ok' : check.code;
};

describe('verifyCosSignature', () => {
  it('accepts what the COS SDK signs with the demo key, and reports the signed headers', () => {
    expect(verifyCosSignature(signedRequest(), expectation)).toEqual({
      ok: true,
      secretId: DEMO_TENCENT_CREDENTIALS.secretId,
      signedHeaders: ['host', 'x-cos-appid'],
    });
  });

  it('refuses with the code COS answers', () => {
    const good = signedRequest();
    const { authorization: _auth, ...unsigned } = good.headers;
    expect(codeOf({ ...good, headers: unsigned })).toBe('AccessDenied');
    expect(
      codeOf({ ...good, headers: { ...good.headers, authorization: 'q-sign-algorithm=md5' } }),
    ).toBe('AccessDenied');
    expect(codeOf(signedRequest({ secretId: 'AKIDunknown' }))).toBe('InvalidAccessKeyId');
    expect(codeOf(signedRequest({ keyTime: `${NOW_S - 7200};${NOW_S - 3600}` }))).toBe(
      'AccessDenied',
    );
    expect(codeOf(signedRequest({ keyTime: `${NOW_S + 3600};${NOW_S + 7200}` }))).toBe(
      'RequestTimeTooSkewed',
    );
    expect(
      codeOf(signedRequest({ headers: { 'x-cos-appid': DEMO_TENCENT_CREDENTIALS.appId } })),
    ).toBe('AccessDenied');
    expect(codeOf(signedRequest({ secretKey: 'not-the-demo-key' }))).toBe('SignatureDoesNotMatch');
    expect(codeOf({ ...good, rawPath: '/jobs/00000000-0000-4000-8000-000000000002' })).toBe(
      'SignatureDoesNotMatch',
    );
  });
});
