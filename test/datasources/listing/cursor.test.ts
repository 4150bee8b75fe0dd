import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CursorCodec, type ListCursor } from '../../../src/datasources/listing/cursor.ts';
import { BadUserInputError } from '../../../src/errors.ts';

const SECRET = 'cursor-test-secret-0123456789abcdef-0123';

const cursor: ListCursor = {
  keyset: { createdMs: 1_790_000_000_123, id: 'panorama:us-east-1:pkgimport-0123456789abcdef' },
  filter: 'AbCdEfGhIjKlMnOpQrStUv',
  positions: {
    importexport: { token: 'LJ042', offset: 3 },
    other: 'end',
    first: { token: null, offset: 0 },
  },
};

function refused(codec: CursorCodec, value: string): BadUserInputError {
  try {
    codec.decode(value);
  } catch (err) {
    expect(err).toBeInstanceOf(BadUserInputError);
    expect((err as BadUserInputError).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      argument: 'after',
    });
    return err as BadUserInputError;
  }
  throw new Error(`${value.slice(0, 20)}… was accepted`);
}

describe('listJobs cursors', () => {
  it('carry the keyset, the filter digest and the positions, as base64url', () => {
    const codec = new CursorCodec(SECRET);
    const value = codec.encode(cursor);
    expect(value).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(codec.decode(value)).toEqual(cursor);
    // Another codec with the same secret (a replica) reads it.
    expect(new CursorCodec(SECRET).decode(value)).toEqual(cursor);
  });

  it('are refused when any character is changed, cut, or made with another secret', () => {
    const codec = new CursorCodec(SECRET);
    const value = codec.encode(cursor);
    for (let i = 0; i < value.length; i += 7) {
      const c = value[i] === 'A' ? 'B' : 'A';
      refused(codec, value.slice(0, i) + c + value.slice(i + 1));
    }
    refused(codec, value.slice(0, -4));
    refused(codec, `${value.slice(0, -4)}AAAA`);
    refused(new CursorCodec('another-secret-of-at-least-32-characters!'), value);
    // Without a configured secret each process has its own random key.
    const perProcess = new CursorCodec(null);
    expect(perProcess.decode(perProcess.encode(cursor))).toEqual(cursor);
    refused(perProcess, value);
  });

  it('are refused unread when they are not base64url, empty or too long', () => {
    const codec = new CursorCodec(SECRET);
    const message = refused(codec, 'not a cursor!').message;
    expect(message).toContain('"after"');
    refused(codec, '');
    refused(codec, 'A'.repeat(5000));
    refused(codec, Buffer.from('{"v":1}').toString('base64url'));
  });

  it('are refused when a correctly signed payload is not this version’s shape', () => {
    // What a cursor of another version (or a bug) would be: signed like ours, shaped otherwise.
    const key = createHmac('sha256', SECRET).update('jobgraph listJobs cursor v1').digest();
    const forge = (payload: unknown) => {
      const body = Buffer.from(JSON.stringify(payload));
      return Buffer.concat([createHmac('sha256', key).update(body).digest(), body]).toString(
        'base64url',
      );
    };
    const codec = new CursorCodec(SECRET);
    const good = { v: 1, t: 5, i: 'x', f: 'd', p: {} };
    expect(codec.decode(forge(good))).toEqual({
      keyset: { createdMs: 5, id: 'x' },
      filter: 'd',
      positions: {},
    });
    for (const bad of [
      { ...good, v: 2 },
      { ...good, t: 1.5 },
      { ...good, i: 7 },
      { ...good, p: { s: [null, -1] } },
      { ...good, p: { s: 'end' } },
      [good],
    ])
      refused(codec, forge(bad));
  });
});
