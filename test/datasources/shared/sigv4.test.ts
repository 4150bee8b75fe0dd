import { createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it, vi } from 'vitest';
import { SigV4Signer, amzDate, canonicalUri } from '../../../src/datasources/shared/sigv4.ts';
import { rfc3986 } from '../../../src/datasources/shared/rfc3986.ts';
import { smithySigned } from './smithySigned.ts';

const KEYS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const DATE = new Date('2026-08-04T10:15:42.123Z');

interface Shape {
  name: string;
  method: 'GET' | 'POST';
  host: string;
  path: string;
  query?: [string, string][];
  headers: Record<string, string>;
  body: string;
  sessionToken?: string;
  service: string;
  region: string;
}

const SHAPES: Shape[] = [
  {
    name: 'rest-json GET',
    method: 'GET',
    host: 'panorama.us-west-2.amazonaws.com',
    path: '/packages/import-jobs/pkgimport-5f3a9c1e7b2d4086',
    headers: {},
    body: '',
    service: 'panorama',
    region: 'us-west-2',
  },
  {
    name: 'a path needing RFC 3986 encoding (encoded once on the wire, twice in the canonical request)',
    method: 'GET',
    host: 'control-storage-omics.eu-west-1.amazonaws.com',
    path: `/referencestore/${rfc3986("store (1)!*'")}/importjob/${rfc3986('ünï cödé/slash')}`,
    headers: {},
    body: '',
    service: 'omics',
    region: 'eu-west-1',
  },
  {
    name: 'a query string with reserved characters and repeated keys',
    method: 'GET',
    host: '127.0.0.1:4101',
    path: '/packages/import-jobs/x',
    query: [
      ['b', 'two words'],
      ['a', 'z'],
      ['a', 'y*~'],
      ['Ünï', '=&?'],
    ],
    headers: {},
    body: '',
    service: 'panorama',
    region: 'us-east-1',
  },
  {
    name: 'an awsJson1_1 POST with a session token',
    method: 'POST',
    host: 'codepipeline.us-east-1.amazonaws.com',
    path: '/',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'CodePipeline_20150709.GetJobDetails',
    },
    body: '{"jobId":"ef66c259-64f9-4d2a-8e3b-0c1d2e3f4a5b"}',
    sessionToken: 'FQoGZXIvYXdzEJr//////////wEaDOsession+token/==',
    service: 'codepipeline',
    region: 'us-east-1',
  },
  {
    name: 'a query-protocol form POST with header values needing trimming',
    method: 'POST',
    host: 'importexport.amazonaws.com',
    path: '/',
    headers: { 'content-type': '  application/x-www-form-urlencoded;   charset=utf-8 ' },
    body: 'Action=GetStatus&Version=2010-06-01&JobId=ABC%2012',
    service: 'IngestionService',
    region: 'us-east-1',
  },
  {
    name: 'a path with dot segments and a trailing slash',
    method: 'GET',
    host: 'h.example',
    path: '/a/./b/../c//d/',
    headers: {},
    body: '',
    service: 'svc',
    region: 'ap-south-1',
  },
];

/** What the SDK's signer signs `shape` with, its session token (if any) beside the keys. */
const smithyShape = (shape: Shape) =>
  smithySigned(
    {
      ...shape,
      credentials: { ...KEYS, ...(shape.sessionToken ? { sessionToken: shape.sessionToken } : {}) },
    },
    DATE,
  );

describe('SigV4Signer (node:crypto) against @smithy/signature-v4', () => {
  for (const shape of SHAPES) {
    it(`signs ${shape.name} byte for byte as the SDK's signer`, async () => {
      const expected = await smithyShape(shape);
      const credentials = {
        ...KEYS,
        ...(shape.sessionToken ? { sessionToken: shape.sessionToken } : {}),
      };
      const actual = new SigV4Signer().sign(
        {
          method: shape.method,
          host: shape.host,
          path: shape.path,
          ...(shape.query ? { query: shape.query } : {}),
          headers: shape.headers,
          body: shape.body,
        },
        credentials,
        shape.service,
        shape.region,
        DATE,
      );
      expect(actual.authorization).toBe(expected.authorization);
      expect(actual['x-amz-date']).toBe(expected['x-amz-date']);
      expect(actual['x-amz-security-token']).toBe(expected['x-amz-security-token']);
    });
  }

  it('keeps signing right from its cached key across calls, days and rotated secrets', async () => {
    const signer = new SigV4Signer();
    const shape = SHAPES[0]!;
    const sign = (date: Date, secretAccessKey: string) =>
      signer.sign(
        { method: 'GET', host: shape.host, path: shape.path, headers: {}, body: '' },
        { ...KEYS, secretAccessKey },
        shape.service,
        shape.region,
        date,
      );
    const oracle = async (date: Date, secretAccessKey: string) =>
      (await smithySigned({ ...shape, credentials: { ...KEYS, secretAccessKey } }, date))
        .authorization;
    const nextDay = new Date(DATE.getTime() + 86_400_000);
    for (const [date, secret] of [
      [DATE, KEYS.secretAccessKey],
      [DATE, KEYS.secretAccessKey],
      [nextDay, KEYS.secretAccessKey],
      [nextDay, 'rotated-secret'],
      [DATE, KEYS.secretAccessKey],
    ] as const) {
      expect(sign(date, secret).authorization).toBe(await oracle(date, secret));
    }
  });

  it('formats the date and canonical path as AWS specifies', () => {
    expect(amzDate(DATE)).toBe('20260804T101542Z');
    expect(canonicalUri('/a%20b/c')).toBe('/a%2520b/c');
    expect(canonicalUri('/')).toBe('/');
  });

  it('derives its signing key once per day, region, service and secret: N signatures, one derivation', () => {
    const signer = new SigV4Signer();
    const sign = (
      i: number,
      date: Date,
      secretAccessKey = KEYS.secretAccessKey,
      region = 'us-west-2',
    ) =>
      signer.sign(
        { method: 'GET', host: 'h', path: `/packages/import-jobs/job-${i}`, headers: {}, body: '' },
        { ...KEYS, secretAccessKey },
        'panorama',
        region,
        date,
      );
    const signatures = new Set<string>();
    for (let i = 0; i < 50; i++)
      signatures.add(sign(i, new Date(DATE.getTime() + i * 1_500)).authorization!);
    expect(signatures.size).toBe(50);
    expect(signer.derived).toBe(1);
    sign(0, new Date(DATE.getTime() + 86_400_000)); // the next day
    sign(0, DATE, 'rotated-secret');
    sign(0, DATE, KEYS.secretAccessKey, 'eu-west-1');
    expect(signer.derived).toBe(4);
    sign(1, DATE, KEYS.secretAccessKey, 'eu-west-1');
    expect(signer.derived).toBe(4);
  });

  it('signs a query-protocol POST without sorting, splitting or rewriting anything: no Array sort, String split or replace call', () => {
    // What a call of `POST /` with clean header values costs (Import/Export's every poll): the
    // signed names put in order as they are read, clean values and the path `/` taken as they are.
    const signer = new SigV4Signer();
    const request = {
      method: 'POST',
      host: 'importexport.amazonaws.com',
      path: '/',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-amz-target': 't',
      },
      body: 'Action=GetStatus&Version=2010-06-01&JobId=ABCDE',
    };
    const expected = signer.sign(request, KEYS, 'IngestionService', 'us-east-1', DATE);
    const sort = vi.spyOn(Array.prototype, 'sort');
    const split = vi.spyOn(String.prototype, 'split');
    const replace = vi.spyOn(String.prototype, 'replace');
    try {
      expect(signer.sign(request, KEYS, 'IngestionService', 'us-east-1', DATE)).toEqual(expected);
      expect([sort.mock.calls.length, split.mock.calls.length, replace.mock.calls.length]).toEqual([
        0, 0, 0,
      ]);
    } finally {
      vi.restoreAllMocks();
    }
    expect(expected.authorization).toContain(
      'SignedHeaders=content-type;host;x-amz-date;x-amz-target,',
    );
  });

  it('keeps at most 64 signing keys, the least recently used forgotten first', () => {
    const signer = new SigV4Signer();
    const request = { method: 'POST', host: 'h', path: '/', headers: {}, body: 'Action=GetStatus' };
    const sign = (region: string) =>
      signer.sign(request, KEYS, 'IngestionService', region, DATE).authorization;
    const first = sign('r-0');
    for (let n = 1; n < 64; n++) sign(`r-${n}`);
    expect(signer.derived).toBe(64);
    expect(sign('r-0')).toBe(first); // kept, now the most recently used
    sign('r-64'); // the 65th: r-1 goes
    expect(signer.derived).toBe(65);
    expect(sign('r-0')).toBe(first);
    sign('r-2');
    expect(signer.derived).toBe(65);
    sign('r-1');
    expect(signer.derived).toBe(66);
  });

  it("signs again for the last call's day, region, service and key with no key-cache lookup and no date cut again (a watch's polls)", () => {
    const signer = new SigV4Signer();
    const request = { method: 'POST', host: 'h', path: '/', headers: {}, body: 'Action=GetStatus' };
    const sign = (at: Date, region = 'us-east-1') =>
      signer.sign(request, KEYS, 'IngestionService', region, at).authorization;
    const first = sign(DATE);
    const get = vi.spyOn(Map.prototype, 'get');
    const slice = vi.spyOn(String.prototype, 'slice');
    let again: string | undefined;
    try {
      again = sign(DATE);
      expect([get.mock.calls.length, slice.mock.calls.length]).toEqual([0, 0]);
    } finally {
      vi.restoreAllMocks();
    }
    expect(again).toBe(first);
    // Another region is another scope, and back again the first one's key is the cache's.
    expect(sign(DATE, 'eu-west-1')).toContain('/eu-west-1/IngestionService/aws4_request');
    expect(sign(DATE)).toBe(first);
    expect(signer.derived).toBe(2);
  });

  it('never shows a secret or a derived signing key when inspected or serialised', () => {
    const signer = new SigV4Signer();
    signer.sign(
      { method: 'GET', host: 'h', path: '/', headers: {}, body: '' },
      KEYS,
      'omics',
      'us-east-1',
      DATE,
    );
    const hmac = (key: string | Buffer, data: string) =>
      createHmac('sha256', key).update(data).digest();
    const derived = hmac(
      hmac(hmac(hmac(`AWS4${KEYS.secretAccessKey}`, '20260804'), 'us-east-1'), 'omics'),
      'aws4_request',
    );
    const shown = `${inspect(signer, { depth: 10, showHidden: true })} ${JSON.stringify(signer)}`;
    for (const secret of [
      KEYS.secretAccessKey,
      derived.toString('hex'),
      derived.toString('base64'),
    ])
      expect(shown).not.toContain(secret);
  });
});
