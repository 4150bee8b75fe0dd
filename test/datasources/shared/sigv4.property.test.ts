import { ALWAYS_UNSIGNABLE_HEADERS } from '@smithy/signature-v4';
import type { AwsCredentialIdentity } from '@smithy/types';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rfc3986 } from '../../../src/datasources/shared/rfc3986.ts';
import {
  SigV4Signer,
  amzDate,
  canonicalHeaderValue,
  type SigV4Request,
} from '../../../src/datasources/shared/sigv4.ts';
import { smithySigned } from './smithySigned.ts';

/**
 * jobgraph's node:crypto signer against `@smithy/signature-v4` (the SDK's own, default
 * `uriEscapePath: true`: every service jobgraph calls is a non-S3 one, so the wire path is
 * encoded once more) over generated requests: the Authorization header must be the same byte
 * for byte. Deterministic: a fixed seed and number of runs.
 */

const RUNS = { numRuns: 300, seed: 20_260_804 };

interface Case {
  method: string;
  host: string;
  path: string;
  query: [string, string][];
  /** Names as the caller wrote them (mixed case); jobgraph is given them lower-cased. */
  headers: Record<string, string>;
  body: string;
  credentials: AwsCredentialIdentity;
  service: string;
  region: string;
  date: Date;
}

const smithy = (c: Case) => smithySigned(c, c.date);

const lowerCased = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([n, v]) => [n.toLowerCase(), v]));

function request(c: Case, headers = lowerCased(c.headers)): SigV4Request {
  return { method: c.method, host: c.host, path: c.path, query: c.query, headers, body: c.body };
}

/** One signer for the whole run, so its key cache is crossed by every date, region, service and secret. */
const shared = new SigV4Signer();

// --- Generators -----------------------------------------------------------------------------

const lowerAlnum = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'),
  minLength: 1,
  maxLength: 12,
});

/** Text with reserved, non-ASCII, astral and space characters. */
const text = (maxLength: number) =>
  fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'grapheme', maxLength }),
    fc.string({
      unit: fc.constantFrom(
        ' ',
        '/',
        '?',
        '#',
        '&',
        '=',
        '+',
        '%',
        '!',
        "'",
        '(',
        ')',
        '*',
        '~',
        '.',
        '-',
        '_',
        'ü',
        '日',
        '😀',
        'a',
      ),
      maxLength,
    }),
  );

const segment = fc.oneof(
  { weight: 4, arbitrary: text(12).map(rfc3986) }, // what jobgraph's callers send: each label encoded once
  { weight: 1, arbitrary: fc.constantFrom('', '.', '..', '%2F', 'a%20b', '~x') },
  { weight: 1, arbitrary: text(6) }, // raw reserved and non-ASCII characters: both encode whatever arrives
);
const path = fc
  .tuple(fc.array(segment, { maxLength: 6 }), fc.boolean(), fc.boolean())
  .map(
    ([segments, leading, trailing]) =>
      `${leading || segments.length === 0 ? '/' : ''}${segments.join('/')}${trailing ? '/' : ''}`,
  );

/** Repeated keys (a small key set), empty values, reserved and non-ASCII characters; generated out of order. */
const query = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom('a', 'A', 'b', 'Ünï', 'k y', 'x*', ''), text(8)),
    fc.oneof(fc.constant(''), text(10)),
  ),
  {
    maxLength: 6,
  },
);

/** Header names: ordinary, AWS, every always-unsignable one, proxy-* and sec-*, date, and random tokens. */
const headerName = fc
  .oneof(
    fc.constantFrom(
      'content-type',
      'x-amz-target',
      'x-amz-user-agent',
      'accept',
      'content-length',
      'amz-sdk-request',
      'x-amz-security-token',
    ),
    fc.constantFrom(...Object.keys(ALWAYS_UNSIGNABLE_HEADERS), 'date', 'x-amz-date'),
    lowerAlnum.map((s) => `proxy-${s}`),
    lowerAlnum.map((s) => `sec-${s}`),
    fc.constantFrom(
      'proxy-authorization',
      'sec-fetch-mode',
      'sec-ch-ua',
      'proxyish',
      'secret',
      'x-sec-a',
    ),
    lowerAlnum.filter((s) => s !== 'host'),
  )
  .chain((name) =>
    fc
      .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
      .map((upper) => [...name].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join('')),
  );

/** Values with runs of spaces and tabs, leading and trailing ones, CR/LF, no-break and other Unicode spaces. */
const headerValue = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({
    unit: fc.constantFrom(
      ' ',
      ' ',
      '   ',
      '\t',
      '\r\n',
      '\n',
      '\u00a0',
      '\u000b',
      '\f',
      '\u2003',
      'a',
      'b',
      ';',
      '=',
      'é',
      '/',
    ),
    maxLength: 16,
  }),
);

/** Distinct header names once lower-cased (HTTP names are case-insensitive; a caller has one of each). */
const headers = fc
  .uniqueArray(fc.tuple(headerName, headerValue), {
    maxLength: 7,
    selector: ([n]) => n.toLowerCase(),
  })
  .map((pairs) => Object.fromEntries(pairs) as Record<string, string>);

const special = [
  '1970-01-01T00:00:00.000Z',
  '1969-12-31T23:59:59.999Z',
  '0000-01-01T00:00:00.000Z',
  '1999-12-31T23:59:59.999Z',
  '2000-01-01T00:00:00.000Z',
  '2000-02-29T12:00:00.000Z',
  '2024-02-29T23:59:59.999Z',
  '2025-12-31T23:59:59.500Z',
  '2026-01-01T00:00:00.000Z',
  '2038-01-19T03:14:08.000Z',
  '2100-02-28T23:59:59.000Z',
  '9999-12-31T23:59:59.999Z',
].map((d) => new Date(d));
const date = fc.oneof(
  fc.constantFrom(...special),
  fc.date({
    min: new Date('0000-01-01T00:00:00.000Z'),
    max: new Date('9999-12-31T23:59:59.999Z'),
    noInvalidDate: true,
  }),
);

const credentials = fc.record(
  {
    accessKeyId: fc.constantFrom('AKIDEXAMPLE', 'ASIAJOBGRAPHTEST0001', 'JOBGRAPHTESTACCESSKEY'),
    secretAccessKey: fc.oneof(
      fc.constant('wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY'),
      fc.string({ minLength: 1, maxLength: 40 }),
    ),
    sessionToken: fc.oneof(
      fc.constant(''),
      fc.constant('FQoGZXIvYXdzEJr//////////wEaDOsession+token/=='),
      fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 40 }),
    ),
  },
  { requiredKeys: ['accessKeyId', 'secretAccessKey'] },
);

const body = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.json(),
);

const kase: fc.Arbitrary<Case> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'),
  host: fc.constantFrom(
    'panorama.us-west-2.amazonaws.com',
    'omics.cn-north-1.amazonaws.com.cn',
    'codepipeline-fips.us-gov-west-1.amazonaws.com',
    '127.0.0.1:4101',
    'h.example',
  ),
  path,
  query,
  headers,
  body,
  credentials,
  service: fc.oneof(
    fc.constantFrom('panorama', 'omics', 'codepipeline', 'IngestionService'),
    lowerAlnum,
  ),
  region: fc.oneof(
    fc.constantFrom(
      'us-east-1',
      'cn-north-1',
      'us-gov-west-1',
      'us-iso-east-1',
      'eu-isoe-west-1',
      'ap-southeast-7',
    ),
    lowerAlnum,
  ),
  date,
});

// --- Properties -----------------------------------------------------------------------------

describe('SigV4Signer against @smithy/signature-v4 over generated requests', () => {
  it('signs every generated request byte for byte as the SDK signer (header names lower-cased by the caller)', async () => {
    await fc.assert(
      fc.asyncProperty(kase, async (c) => {
        const expected = await smithy(c);
        const actual = shared.sign(request(c), c.credentials, c.service, c.region, c.date);
        expect(actual.authorization).toBe(expected.authorization);
        expect(actual['x-amz-date']).toBe(expected['x-amz-date']);
        // Without a session token smithy keeps a caller's `X-Amz-Security-Token` under its own spelling.
        if (c.credentials.sessionToken)
          expect(actual['x-amz-security-token']).toBe(expected['x-amz-security-token']);
      }),
      RUNS,
    );
  });

  it('throws on a header name with an upper-case letter instead of signing it wrong', () => {
    fc.assert(
      fc.property(
        kase.filter((c) => Object.keys(c.headers).some((n) => /[A-Z]/.test(n))),
        (c) => {
          expect(() =>
            new SigV4Signer().sign(
              request(c, c.headers),
              c.credentials,
              c.service,
              c.region,
              c.date,
            ),
          ).toThrow(TypeError);
        },
      ),
      { ...RUNS, numRuns: 100 },
    );
  });

  it('never signs proxy-*, sec-*, date or an always-unsignable header, and sends them all', () => {
    fc.assert(
      fc.property(kase, (c) => {
        const h = lowerCased(c.headers);
        const out = shared.sign(request(c, h), c.credentials, c.service, c.region, c.date);
        const signedHeaders = /SignedHeaders=([^,]*),/.exec(out.authorization!)![1]!.split(';');
        for (const n of signedHeaders) {
          expect(n).not.toMatch(/^(proxy-|sec-)/);
          expect(n in ALWAYS_UNSIGNABLE_HEADERS || n === 'date').toBe(false);
        }
        for (const n of Object.keys(h))
          if (
            n !== 'authorization' &&
            n !== 'x-amz-date' &&
            !(n === 'x-amz-security-token' && c.credentials.sessionToken)
          )
            expect(out[n]).toBe(h[n]);
      }),
      RUNS,
    );
  });
});

// --- Counterexamples the properties found, kept as plain tests -------------------------------

describe('SigV4Signer: mismatches the properties found, fixed', () => {
  const base: Case = {
    method: 'POST',
    host: 'codepipeline.us-east-1.amazonaws.com',
    path: '/',
    query: [],
    headers: {},
    body: '{}',
    credentials: {
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    },
    service: 'codepipeline',
    region: 'us-east-1',
    date: new Date('2026-08-04T10:15:42.123Z'),
  };
  const cases: [string, Partial<Case>][] = [
    [
      'a no-break space in a header value is kept, not trimmed or collapsed (smithy trims space, tab, CR, LF only)',
      { headers: { 'x-amz-target': '\u00a0a\u00a0\u00a0b\u00a0' } },
    ],
    [
      'a vertical tab, form feed and em space in a header value are kept (the first counterexample: value "\\v")',
      { headers: { a: '\u000b', 'content-type': '\fa\u2003\u2003b\u000b' } },
    ],
    ['CR/LF in a header value become a space', { headers: { 'content-type': 'a\r\n  b\n' } }],
    [
      'proxy-* and sec-* headers are not signed',
      { headers: { 'proxy-authorization': 'Basic x', 'sec-fetch-mode': 'cors', secret: 's' } },
    ],
    [
      'a date header is not signed (smithy drops it as a generated header)',
      { headers: { date: 'Tue, 04 Aug 2026 10:15:42 GMT' } },
    ],
    [
      'an empty path is the root, as a request target always starts with /',
      { method: 'GET', path: '', body: '', service: 'a', region: 'a', date: new Date(0) },
    ],
    ['a path without a leading / gets one', { path: 'a/b%20c/' }],
  ];
  it.each(cases)('%s', async (_name, patch) => {
    const c = { ...base, ...patch };
    expect(
      new SigV4Signer().sign(request(c), c.credentials, c.service, c.region, c.date).authorization,
    ).toBe((await smithy(c)).authorization);
  });

  it('canonicalises header values as smithy does', () => {
    expect(canonicalHeaderValue('  a \t b  ')).toBe('a b');
    expect(canonicalHeaderValue(' ')).toBe('');
    expect(canonicalHeaderValue('\u00a0x\u00a0')).toBe('\u00a0x\u00a0');
  });

  it('refuses a date SigV4 cannot write (a year outside 0000–9999)', () => {
    expect(() => amzDate(new Date('+010000-01-01T00:00:00.000Z'))).toThrow(RangeError);
    expect(() => amzDate(new Date('-000001-01-01T00:00:00.000Z'))).toThrow(RangeError);
    expect(amzDate(new Date('9999-12-31T23:59:59.999Z'))).toBe('99991231T235959Z');
    expect(amzDate(new Date('0000-01-01T00:00:00.000Z'))).toBe('00000101T000000Z');
  });

  it('throws on an upper-case header name', () => {
    expect(() =>
      new SigV4Signer().sign(
        request(base, { 'Content-Type': 'x' }),
        base.credentials,
        base.service,
        base.region,
        base.date,
      ),
    ).toThrow(/not lower-case/);
  });
});
