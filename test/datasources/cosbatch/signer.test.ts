import { inspect } from 'node:util';
import COS from 'cos-nodejs-sdk-v5';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signCos } from '../../../src/datasources/cosbatch/client.ts';
import {
  COS_KEY_REUSE_SECONDS,
  CosSignKeys,
  cosKeyTime,
  cosSignKey,
  cosUrlEncode,
  isSignedHeader,
  signCosRequest,
} from '../../../src/datasources/cosbatch/signer.ts';

const SECRET_ID = 'AKIDjobgraphSignerTest0001';
const SECRET_KEY = 'signer-test-secret-key-not-real';
const KEY_TIME = '1767225599;1767226500';
const JOB_PATH = '/jobs/53dc6228-c50b-46f7-8ad7-65e7159f1aae';

/** A request to sign: GET and KEY_TIME unless told. */
interface Signed {
  method?: string;
  pathname: string;
  query?: Record<string, string>;
  headers: Record<string, string>;
  keyTime?: string;
}

/** The independent oracle: the official Node SDK's static signer. */
function oracle(opts: Signed) {
  return COS.getAuthorization({
    SecretId: SECRET_ID,
    SecretKey: SECRET_KEY,
    Method: (opts.method ?? 'GET') as 'GET',
    Pathname: opts.pathname,
    Query: opts.query ?? {},
    Headers: opts.headers,
    KeyTime: opts.keyTime ?? KEY_TIME,
  });
}

function ours(opts: Signed) {
  return signCosRequest({
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    method: opts.method ?? 'GET',
    pathname: opts.pathname,
    ...(opts.query ? { query: opts.query } : {}),
    headers: opts.headers,
    keyTime: opts.keyTime ?? KEY_TIME,
  });
}

describe('CosBatch signer', () => {
  it('signs DescribeJob exactly as COS.getAuthorization does', () => {
    const headers = {
      host: '100000000001.cos-control.ap-guangzhou.myqcloud.com',
      'x-cos-appid': '1250000000',
    };
    const auth = ours({ pathname: JOB_PATH, headers });
    expect(auth).toBe(oracle({ pathname: JOB_PATH, headers }));
    expect(auth).toMatch(
      /^q-sign-algorithm=sha1&q-ak=AKIDjobgraphSignerTest0001&q-sign-time=1767225599;1767226500&q-key-time=1767225599;1767226500&q-header-list=host;x-cos-appid&q-url-param-list=&q-signature=[0-9a-f]{40}$/,
    );
  });

  it('signs x-cos-security-token when a session token is set', () => {
    const headers = {
      host: '100000000001.cos-control.ap-guangzhou.myqcloud.com',
      'x-cos-appid': '1250000000',
      'x-cos-security-token': 'temporary+token/with=odd*chars!',
    };
    const auth = ours({ pathname: JOB_PATH, headers });
    expect(auth).toBe(oracle({ pathname: JOB_PATH, headers }));
    expect(auth).toContain('q-header-list=host;x-cos-appid;x-cos-security-token&');
  });

  it('signs an endpoint override host with its port', () => {
    const headers = { host: '127.0.0.1:40123', 'x-cos-appid': '1250000000' };
    expect(ours({ pathname: JOB_PATH, headers })).toBe(oracle({ pathname: JOB_PATH, headers }));
  });

  it('leaves unsigned headers out as the SDK does', () => {
    const headers = {
      host: 'h.example',
      'x-cos-appid': '1',
      'user-agent': 'jobgraph',
      date: 'Mon, 02 Mar 2026 08:30:00 GMT',
      'Content-Type': 'application/xml',
    };
    const auth = ours({ pathname: JOB_PATH, headers });
    expect(auth).toBe(oracle({ pathname: JOB_PATH, headers }));
    expect(auth).toContain('q-header-list=content-type;host;x-cos-appid&');
  });

  it('signs ListJobs query parameters as the SDK does', () => {
    const query = { jobStatuses: 'Complete', maxResults: '2', nextToken: "a b!'()*~" };
    const headers = {
      host: '100000000001.cos-control.ap-guangzhou.myqcloud.com',
      'x-cos-appid': '1250000000',
    };
    const auth = ours({ pathname: '/jobs', query, headers });
    expect(auth).toBe(oracle({ pathname: '/jobs', query, headers }));
    expect(auth).toContain('q-url-param-list=jobstatuses;maxresults;nexttoken&');
  });

  it('agrees with the SDK for arbitrary header values, paths and key times', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        fc.stringMatching(/^[a-zA-Z0-9-]{5,36}$/),
        fc.integer({ min: 1, max: 2_000_000_000 }),
        fc.constantFrom('GET', 'get', 'POST'),
        (value, jobId, start, method) => {
          const headers = {
            host: 'x.cos-control.ap-chengdu.myqcloud.com',
            'x-cos-appid': '1250000000',
            'x-cos-meta-v': value,
          };
          const keyTime = `${start};${start + 900}`;
          const input = { method, pathname: `/jobs/${jobId}`, headers, keyTime };
          return ours(input) === oracle(input);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('takes KeyTime from one second back to 900 seconds ahead', () => {
    expect(cosKeyTime(1_767_225_600_000)).toBe('1767225599;1767226500');
    expect(cosKeyTime(1_767_225_600_999)).toBe('1767225599;1767226500');
  });

  it('encodes everything outside A-Z a-z 0-9 - _ . ~', () => {
    expect(cosUrlEncode("a-_.~!'()* /:=&é")).toBe('a-_.~%21%27%28%29%2A%20%2F%3A%3D%26%C3%A9');
  });

  it('signs host, x-cos-* and the standard headers only', () => {
    expect(isSignedHeader('Host')).toBe(true);
    expect(isSignedHeader('x-cos-appid')).toBe(true);
    expect(isSignedHeader('X-Cos-Security-Token')).toBe(true);
    expect(isSignedHeader('content-md5')).toBe(true);
    expect(isSignedHeader('user-agent')).toBe(false);
    expect(isSignedHeader('authorization')).toBe(false);
    expect(isSignedHeader('date')).toBe(false);
  });

  describe('KeyTime and SignKey reuse', () => {
    const T0 = 1_767_225_600_000;
    const HOST = '100000000001.cos-control.ap-guangzhou.myqcloud.com';
    const CREDS = { secretId: SECRET_ID, secretKey: SECRET_KEY, appId: '1250000000' };
    /** One DescribeJob signed at `ms` through `keys`, and the KeyTime it carries. */
    const signAt = (keys: CosSignKeys, ms: number, creds = CREDS, job = '53dc6228') => {
      const path = `/jobs/${job}`;
      const headers = signCos(
        { method: 'GET', host: HOST, path, query: [], headers: { 'x-cos-appid': '1' }, body: '' },
        creds,
        new Date(ms),
        keys,
      );
      const keyTime = /q-key-time=([^&]+)/.exec(headers.authorization!)![1]!;
      return { headers, keyTime, path };
    };

    it('derives one SignKey for N signatures within the reuse window, each as the SDK signs with that KeyTime', () => {
      const keys = new CosSignKeys();
      const signed = Array.from({ length: 40 }, (_, i) =>
        signAt(keys, T0 + i * 1_400, CREDS, `job-${i}`),
      );
      expect(keys.derived).toBe(1);
      expect(new Set(signed.map((s) => s.keyTime))).toEqual(new Set([cosKeyTime(T0)]));
      for (const { headers, keyTime, path } of signed) {
        expect(headers.authorization).toBe(
          oracle({ pathname: path, headers: { host: HOST, 'x-cos-appid': '1' }, keyTime }),
        );
      }
    });

    it('takes a new KeyTime once the window has passed, when the clock goes back, and for another or rotated key', () => {
      const keys = new CosSignKeys();
      signAt(keys, T0);
      signAt(keys, T0 + (COS_KEY_REUSE_SECONDS - 1) * 1000);
      expect(keys.derived).toBe(1);
      const later = signAt(keys, T0 + COS_KEY_REUSE_SECONDS * 1000);
      expect(keys.derived).toBe(2);
      expect(later.keyTime).toBe(cosKeyTime(T0 + COS_KEY_REUSE_SECONDS * 1000));
      // A skew correction backwards: a KeyTime starting after now is never used.
      expect(signAt(keys, T0).keyTime).toBe(cosKeyTime(T0));
      expect(keys.derived).toBe(3);
      signAt(keys, T0, { ...CREDS, secretKey: 'rotated-secret-key' });
      signAt(keys, T0, { ...CREDS, secretId: 'AKIDanotherAccount', secretKey: 'other' });
      expect(keys.derived).toBe(5);
      // Each key's own KeyTime is kept apart: the first account's is reused again.
      signAt(keys, T0, { ...CREDS, secretKey: 'rotated-secret-key' });
      signAt(keys, T0, { ...CREDS, secretId: 'AKIDanotherAccount', secretKey: 'other' });
      expect(keys.derived).toBe(5);
    });

    it('leaves each signature valid for at least the TTL less the window', () => {
      const keys = new CosSignKeys();
      signAt(keys, T0);
      const last = T0 + COS_KEY_REUSE_SECONDS * 1000 - 1;
      const [start, end] = signAt(keys, last).keyTime.split(';').map(Number) as [number, number];
      expect(start * 1000).toBeLessThanOrEqual(last);
      expect(end - Math.floor(last / 1000)).toBeGreaterThanOrEqual(900 - COS_KEY_REUSE_SECONDS);
    });

    it('never shows a secret key or a SignKey when inspected or serialised', () => {
      const keys = new CosSignKeys();
      const { keyTime } = signAt(keys, T0);
      const signKeyHex = cosSignKey(SECRET_KEY, keyTime).export().toString('latin1');
      const shown = `${inspect(keys, { depth: 10, showHidden: true })} ${JSON.stringify(keys)}`;
      expect(shown).not.toContain(SECRET_KEY);
      expect(shown).not.toContain(signKeyHex);
    });
  });
});
