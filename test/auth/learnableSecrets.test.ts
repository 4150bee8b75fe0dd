import { describe, expect, it } from 'vitest';
import { entropyOf, isLearnableSecret, learnableParts } from '../../src/auth/learnableSecrets.ts';
import { REDACTED, SecretValueRegistry } from '../../src/auth/secretValues.ts';

/** Issue 70, item 4: what a job's content may teach the scrubber. */

/** Text that occurs in other callers' answers and log lines: never learned, whatever a job holds. */
const ORDINARY = [
  '"service":"jobgraph"',
  'NOT_FOUND',
  'FORBIDDEN',
  'INTERNAL_SERVER_ERROR',
  'ResourceNotFoundException',
  'jobgraph-dev',
  'The token\u2019s accounts do not include the account of this job.',
  'pipeline-stage-align',
  '1234567890123456',
  '1764175911000',
  '2026-11-26T16:51:51.000Z',
  '2026-11-26T16:51:51+08:00',
  '2026-11-26',
  '4f1c2a9e-7b3d-4e8f-a1c5-9d2b6e0f3a7c',
  'batch:us-east-1:4f1c2a9e-7b3d-4e8f-a1c5-9d2b6e0f3a7c',
  'arn:aws:batch:us-east-1:123456789012:job/4f1c2a9e-7b3d-4e8f-a1c5-9d2b6e0f3a7c',
  'aaaaaaaa11111111',
  '00000000000000000001',
];

/** Values shaped like secrets: learned. */
const SECRETS = [
  // Made up, shaped like a 40-character secret key (no real key's form).
  'qT7vLm2Xw9Rk4Zp/Nc8Hb3Yd6Gf1Js5Ua0Ve/test',
  '3f9a1c0b7d2e4a6f8b0c1d2e3f4a5b6c',
  'Tr0ub4dor&3xK!pQ',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz',
  'batch-demo-db-password-5f2c9e',
  // A presigned URL naming a job: its session token makes it a secret, the UUID in its path does not make it an ID.
  'https://logs.s3.amazonaws.com/4f1c2a9e-7b3d-4e8f-a1c5-9d2b6e0f3a7c/log.txt?X-Amz-Security-Token=IQoJb3JpZ2luX2VjEJr',
];

describe('The values learned as secrets', () => {
  it('are long and random: never words, codes, JSON fragments, numbers, dates or UUIDs', () => {
    for (const text of ORDINARY) expect(isLearnableSecret(text), text).toBe(false);
    for (const text of SECRETS) expect(isLearnableSecret(text), text).toBe(true);
  });

  it('are judged part by part in a value with whitespace (a manifest, a key file)', () => {
    const manifest = `manifestVersion: 2.0\naccessKeyId: DEMOKEY4X7Q2ZV9TEST1\nsecret: ${SECRETS[0]}\nregion: us-east-1`;
    expect(learnableParts(manifest)).toEqual(['DEMOKEY4X7Q2ZV9TEST1', SECRETS[0]]);
    expect(learnableParts('  ')).toEqual([]);
  });

  it('are all a registry learns at run time; configured credentials are pinned whatever their shape', () => {
    const r = new SecretValueRegistry();
    for (const text of ORDINARY) r.learn(text);
    expect(r.size).toBe(0);
    const line = '{"service":"jobgraph","code":"NOT_FOUND","extensions":{"code":"FORBIDDEN"}}';
    expect(r.scrub(line)).toBe(line);
    r.learn(`DB_PASSWORD ${SECRETS[0]}`);
    expect(r.scrub(`x ${SECRETS[0]} y`)).toBe(`x ${REDACTED} y`);
    r.pin('jobgraph-demo-secret');
    expect(r.scrub('key jobgraph-demo-secret')).toBe(`key ${REDACTED}`);
    expect(r.size).toBe(2);
  });
});

describe('The entropy a value is judged by', () => {
  /** Shannon entropy by a Map of the characters, in the order they first occur: the reference. */
  function reference(text: string): number {
    const counts = new Map<number, number>();
    for (let i = 0; i < text.length; i++)
      counts.set(text.charCodeAt(i), (counts.get(text.charCodeAt(i)) ?? 0) + 1);
    let bits = 0;
    for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
    return bits;
  }

  it('is the reference to the bit for ASCII and other text, one value after another', () => {
    // Seeded, so a failure names a value that fails again.
    let seed = 88;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabets = ['ab', 'abcdef0123', ' !~\x7f\x00azAZ09', 'aé€😀b'];
    const values = [...ORDINARY, ...SECRETS, '', 'a', 'ééé'];
    for (let i = 0; i < 2000; i++) {
      const alphabet = alphabets[i % alphabets.length]!;
      const length = Math.floor(next() * 120);
      let text = '';
      for (let j = 0; j < length; j++) text += alphabet[Math.floor(next() * alphabet.length)];
      values.push(text);
    }
    for (const value of [...values, ...values]) expect(entropyOf(value)).toBe(reference(value));
  });
});
