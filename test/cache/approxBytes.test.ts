import { describe, expect, it } from 'vitest';
import { approxBytes } from '../../src/cache/approxBytes.ts';

describe('approxBytes (what the bounded stores count)', () => {
  it('counts a string at two bytes a character, whatever its characters', () => {
    const ascii = approxBytes('a'.repeat(1000));
    expect(approxBytes('é'.repeat(1000))).toBe(ascii);
    expect(approxBytes('a'.repeat(2000)) - ascii).toBe(2000);
  });

  it('counts every string of objects and arrays, however nested, beyond their slots', () => {
    const one = approxBytes({ a: 'x'.repeat(500) });
    const nested = approxBytes({ a: [{ b: { c: 'x'.repeat(500) } }] });
    expect(one).toBeGreaterThan(1000);
    expect(nested).toBeGreaterThan(one);
    expect(approxBytes([1, true, null, 'x'])).toBeGreaterThan(approxBytes([]));
  });

  it('walks a value nested deeper than the call stack goes without overflowing it', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(approxBytes(deep)).toBeGreaterThan(200_000 * 8);
  });
});
