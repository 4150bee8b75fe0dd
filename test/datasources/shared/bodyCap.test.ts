import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { collectCapped, declaredLength } from '../../../src/datasources/shared/bodyCap.ts';
import { BodyTooLargeError } from '../../../src/errors.ts';

describe('collectCapped', () => {
  it('reads a body up to the cap whole', async () => {
    const s = new PassThrough();
    const p = collectCapped(s, 10, 10);
    s.end(Buffer.from('0123456789'));
    expect((await p).toString()).toBe('0123456789');
  });

  it('refuses a declared length over the cap before reading, destroying the stream', async () => {
    const s = new PassThrough();
    await expect(collectCapped(s, 10, 11)).rejects.toBeInstanceOf(BodyTooLargeError);
    expect(s.destroyed).toBe(true);
  });

  it('cuts a streamed body as soon as it passes the cap', async () => {
    const s = new PassThrough();
    const p = collectCapped(s, 10, null);
    s.write(Buffer.from('01234'));
    s.write(Buffer.from('56789X'));
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BodyTooLargeError);
    expect((err as BodyTooLargeError).limitBytes).toBe(10);
    expect(s.destroyed).toBe(true);
  });

  it('ends a body that is not complete within the deadline with a TimeoutError', async () => {
    const s = new PassThrough();
    const p = collectCapped(s, 10, null, undefined, 5);
    s.write(Buffer.from('0'));
    await expect(p).rejects.toMatchObject({ name: 'TimeoutError', code: 'ETIMEDOUT' });
    expect(s.destroyed).toBe(true);
  });

  it('ends on abort with an AbortError and on a premature close with ECONNRESET', async () => {
    const controller = new AbortController();
    const a = new PassThrough();
    const pa = collectCapped(a, 10, null, controller.signal);
    controller.abort();
    await expect(pa).rejects.toMatchObject({ name: 'AbortError' });
    const b = new PassThrough();
    const pb = collectCapped(b, 10, null);
    b.destroy();
    await expect(pb).rejects.toMatchObject({ code: 'ECONNRESET' });
  });

  it('reads Content-Length only when it is a plain number', () => {
    expect(declaredLength({ 'content-length': '42' })).toBe(42);
    expect(declaredLength({ 'content-length': '4x2' })).toBeNull();
    expect(declaredLength({})).toBeNull();
  });
});
