import { describe, expect, it } from 'vitest';
import { gcra, localGcra } from '../../src/cache/gcra.ts';

// The one rate algorithm the callers' request rates and the upstream rate budget share
// (src/cache/gcra.ts): its step, and this process's bounded store of its times.

describe('GCRA with a burst of 1', () => {
  it('is one call per interval, no credit kept from an idle spell', () => {
    let tat: number | undefined;
    const take = (now: number) => {
      const { wait, next } = gcra(tat, now, 100, 1);
      if (wait === 0) tat = next;
      return wait;
    };
    expect(take(1_000)).toBe(0);
    expect(take(1_000)).toBe(100);
    expect(take(1_060)).toBe(40);
    expect(take(1_100)).toBe(0);
    expect(take(9_000)).toBe(0);
    expect(take(9_000)).toBe(100);
  });
});

describe("A process's GCRA times", () => {
  it('counts each key apart, and a step that looks or must wait counts nothing', () => {
    let now = 0;
    const times = localGcra(() => now, 10);
    expect(times.step('a', 100, 2, false)).toBe(0);
    expect(times.step('a', 100, 2, true)).toBe(0);
    expect(times.step('a', 100, 2, true)).toBe(0);
    expect(times.step('a', 100, 2, true)).toBe(100);
    expect(times.step('b', 100, 2, true)).toBe(0);
    now = 100;
    expect(times.step('a', 100, 2, false)).toBe(0);
    expect(times.step('a', 100, 2, true)).toBe(0);
    expect(times.step('a', 100, 2, true)).toBe(100);
  });

  it('keeps at most its bound of keys, the least recently counted forgotten first', () => {
    const times = localGcra(() => 0, 2);
    expect(times.step('a', 100, 1, true)).toBe(0);
    expect(times.step('b', 100, 1, true)).toBe(0);
    // Looked at and refused: neither makes `a` more recent than `b`.
    expect(times.step('a', 100, 1, false)).toBe(100);
    expect(times.step('a', 100, 1, true)).toBe(100);
    expect(times.step('c', 100, 1, true)).toBe(0);
    // `a` was forgotten (its turn is free again); `b` and `c` still wait.
    expect(times.step('b', 100, 1, false)).toBe(100);
    expect(times.step('c', 100, 1, false)).toBe(100);
    expect(times.step('a', 100, 1, true)).toBe(0);
  });
});
