import { describe, expect, it } from 'vitest';
import { BATCH_STRINGS, parseJob } from '../../../src/datasources/batch/parse.ts';
import { StringPool } from '../../../src/datasources/shared/stringPool.ts';
import type { BatchKey } from '../../../src/model/globalId.ts';
import { loadFixture } from '../../support/fixtures.ts';

const JOB = (
  JSON.parse(loadFixture('batch', 'success-full').body) as { jobs: Record<string, unknown>[] }
).jobs[0]!;
const key = (jobId: string): BatchKey => ({ provider: 'AWS_BATCH', region: 'us-east-1', jobId });
/** The fixture's job under another ID (a copy: the parse must not see the same objects). */
const detail = (jobId: string) => ({ ...structuredClone(JOB), jobId });

describe('StringPool', () => {
  it('gives its own copy of a string it holds, and leaves a string over maxLength alone', () => {
    const pool = new StringPool(10, 8);
    const first = 'us-east-1'.slice(0, 8);
    expect(pool.intern(first)).toBe(first);
    expect(pool.intern(`${'us-east-'}`)).toBe(first);
    expect(pool.size).toBe(1);
    expect(pool.intern('longer than eight')).toBe('longer than eight');
    expect(pool.size).toBe(1);
  });

  it('starts again empty at its bound, whatever it was given', () => {
    const pool = new StringPool(3);
    for (const s of ['a', 'b', 'c', 'a', 'd', 'e']) pool.intern(s);
    expect([pool.size, pool.restarts]).toEqual([2, 1]);
    expect([pool.has('d'), pool.has('e'), pool.has('a')]).toEqual([true, true, false]);
  });

  it('replaces strings in place at any depth, never under a skipped member, and changes no value', () => {
    const pool = new StringPool();
    const value = {
      a: 'x',
      list: ['y', { b: 'z' }],
      secret: { value: 'hunter22' },
      n: 1,
      nil: null,
    };
    const copy = structuredClone(value);
    expect(pool.internAll(value, new Set(['secret']))).toBe(value);
    expect(value).toEqual(copy);
    expect(['x', 'y', 'z'].map((s) => pool.has(s))).toEqual([true, true, true]);
    expect(pool.has('hunter22')).toBe(false);
  });
});

describe('Batch records through the pool', () => {
  it('are what the parse gave before pooling, field for field, and a second job of the queue adds none of its shared strings', () => {
    const first = parseJob(key('job-1'), detail('job-1'));
    const size = BATCH_STRINGS.size;
    const restarts = BATCH_STRINGS.restarts;
    const second = parseJob(key('job-2'), detail('job-2'));
    // The second job shares everything pooled with the first: its queue, definition, role, tags.
    expect([BATCH_STRINGS.size, BATCH_STRINGS.restarts]).toEqual([size, restarts]);
    expect(BATCH_STRINGS.has(JOB.jobQueue as string)).toBe(true);
    expect(second).toEqual({
      ...first,
      id: 'batch:us-east-1:job-2',
      nativeId: 'job-2',
    });
    // Their empty lists are one frozen list, not one each.
    expect(second.dependsOn).toEqual([]);
    expect(second.dependsOn).toBe(first.dependsOn);
    expect(Object.isFrozen(first.dependsOn)).toBe(true);
    // Parsed again from its own copy: the same record as the first time.
    expect(parseJob(key('job-1'), detail('job-1'))).toEqual(first);
  });

  it('never pools an environment value (a secret) nor what each job has of its own', () => {
    const record = parseJob(key('job-own-id'), detail('job-own-id'));
    const values = record.container!.environment.map((e) => e.value!);
    expect(values).toContain('batch-demo-db-password-5f2c9e');
    for (const value of values) expect(BATCH_STRINGS.has(value)).toBe(false);
    for (const own of [record.id, record.nativeId, record.jobArn!])
      expect(BATCH_STRINGS.has(own)).toBe(false);
  });

  it('share one frozen copy of the objects a queue’s jobs repeat: 100 jobs hold what 1 holds and their own', () => {
    /** The distinct objects and lists reachable from `values`. */
    const held = (values: unknown[]) => {
      const seen = new Set<object>();
      const walk = (v: unknown): void => {
        if (typeof v !== 'object' || v === null || seen.has(v)) return;
        seen.add(v);
        for (const m of Array.isArray(v) ? v : Object.values(v)) walk(m);
      };
      values.forEach(walk);
      return seen;
    };
    const records = Array.from({ length: 100 }, (_, i) =>
      parseJob(key(`job-${i}`), detail(`job-${i}`)),
    );
    const one = held([records[0]]);
    const shared = [...one].filter((o) => Object.isFrozen(o));
    const own = one.size - shared.length;
    // The retry strategy, tags, parameters, mounts… are the pool's: one each for the 100 jobs.
    expect(records[1]!.retryStrategy).toBe(records[0]!.retryStrategy);
    expect(records[1]!.tags).toBe(records[0]!.tags);
    expect(shared.length).toBeGreaterThan(own);
    expect(held(records).size).toBe(shared.length + 100 * own);
    // A container holds its environment (a secret may be there): never shared, never frozen.
    expect(records[1]!.container).not.toBe(records[0]!.container);
    expect(Object.isFrozen(records[0]!.container)).toBe(false);
    expect(Object.isFrozen(records[0]!.container!.environment)).toBe(false);
  });
});
