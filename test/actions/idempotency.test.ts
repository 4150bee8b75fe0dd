import { describe, expect, it } from 'vitest';
import {
  IDEMPOTENCY_MAX_ENTRIES,
  IDEMPOTENCY_WINDOW_MS,
  IdempotencyCache,
  idempotencyKeyOf,
} from '../../src/actions/idempotency.ts';

/** The Idempotency-Key's memory: who ran, how often, what it kept, against a clock the test moves. */
describe('IdempotencyCache', () => {
  const setUp = (maxBytes?: number) => {
    let now = 0;
    const cache = new IdempotencyCache<string>(() => now, IDEMPOTENCY_MAX_ENTRIES, maxBytes);
    const runs: string[] = [];
    /** The answer a request gets: its own when it ran, else what was kept of the first. */
    const run = async (scope: string, fingerprint = 'f', answer = 'result') => {
      const out = cache.run(
        scope,
        fingerprint,
        () => {
          runs.push(scope);
          return Promise.resolve({ record: 'a whole record', text: `${answer} ${runs.length}` });
        },
        (full) => `kept ${full.text}`,
      );
      return 'ran' in out ? (await out.ran).text : await out.replay;
    };
    return { cache, runs, run, advance: (ms: number) => (now += ms) };
  };

  it('runs once per scope within the window, answering what it kept of the first, and again after it', async () => {
    const { runs, run, advance } = setUp();
    expect(await run('ann/k1')).toBe('result 1');
    expect(await run('ann/k1')).toBe('kept result 1');
    expect(await run('bob/k1')).toBe('result 2');
    advance(IDEMPOTENCY_WINDOW_MS);
    expect(await run('ann/k1')).toBe('result 3');
    expect(runs).toEqual(['ann/k1', 'bob/k1', 'ann/k1']);
  });

  it('refuses the same key for another request, and forgets a request that failed', async () => {
    const { cache, runs, run } = setUp();
    await run('ann/k1', 'cancel a');
    await expect(run('ann/k1', 'cancel b')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    const failed = cache.run('ann/k2', 'f', () => Promise.reject(new Error('refused')), String);
    await expect('ran' in failed ? failed.ran : null).rejects.toThrow('refused');
    expect(await run('ann/k2')).toBe('result 2');
    expect(runs).toEqual(['ann/k1', 'ann/k2']);
  });

  it('keeps at most IDEMPOTENCY_MAX_ENTRIES keys, the least recently used forgotten first', async () => {
    const { runs, run } = setUp();
    for (let i = 0; i <= IDEMPOTENCY_MAX_ENTRIES; i++) await run(`k${i}`);
    expect(runs).toHaveLength(IDEMPOTENCY_MAX_ENTRIES + 1);
    await run(`k${IDEMPOTENCY_MAX_ENTRIES}`); // still known
    await run('k0'); // forgotten: runs again
    expect(runs.slice(IDEMPOTENCY_MAX_ENTRIES + 1)).toEqual(['k0']);
  });

  it('counts the bytes of what it keeps, not of the answer, and forgets the least recently used past its byte budget', async () => {
    const { cache, runs, run } = setUp(4096);
    await run('k0', 'f', 'x'.repeat(1000));
    const one = cache.fill().bytes;
    // What is kept: the kept string (2 bytes a character), never the answer's record.
    expect(one).toBeGreaterThan(2000);
    expect(one).toBeLessThan(3000);
    await run('k1', 'f', 'x'.repeat(1000));
    expect(cache.fill()).toMatchObject({ store: 'idempotency', entries: 1, maxBytes: 4096 });
    expect(cache.fill().bytes).toBe(one);
    await run('k0'); // forgotten past the byte budget: runs again
    expect(runs).toEqual(['k0', 'k1', 'k0']);
  });

  it('takes a header of printable ASCII up to 255 characters, and no header as none', () => {
    expect(idempotencyKeyOf(undefined)).toBeNull();
    expect(idempotencyKeyOf('6f1c2a9e-retry')).toBe('6f1c2a9e-retry');
    expect(() => idempotencyKeyOf('a b')).toThrow(/printable ASCII/);
    expect(() => idempotencyKeyOf('x'.repeat(256))).toThrow(/1-255/);
  });
});
