import { describe, expect, it } from 'vitest';
import { createSealer, SEALED_HEADER_LENGTH } from '../../src/cache/sealed.ts';
import { capturedLog } from '../support/capturedLog.ts';
import { countingSealer, TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';

const KEY = 'jobgraph:job:v2:importexport:ABCDE';

describe('The cluster sealer', () => {
  it('opens what it sealed, for the same kind and key only', () => {
    const s = countingSealer();
    const v = s.seal('job', KEY, '{"id":"importexport:ABCDE"}');
    expect(v.startsWith('2.')).toBe(true);
    expect(v.slice(SEALED_HEADER_LENGTH)).toBe('{"id":"importexport:ABCDE"}');
    expect(s.open('job', KEY, v, 1000)).toBe('{"id":"importexport:ABCDE"}');
    expect(s.open('job', 'jobgraph:job:v2:importexport:OTHER', v, 1000)).toBeUndefined();
    expect(s.open('list', KEY, v, 1000)).toBeUndefined();
    expect(s.rejected).toEqual(['job mac', 'list mac']);
  });

  it('seals the same payload alike (Redis scripts compare sealed values), and differently under another secret', () => {
    const s = countingSealer();
    expect(s.seal('poll', KEY, 'a|1')).toBe(s.seal('poll', KEY, 'a|1'));
    const other = createSealer('another-cluster-secret-of-at-least-32-chars');
    expect(other.seal('poll', KEY, 'a|1')).not.toBe(s.seal('poll', KEY, 'a|1'));
    expect(s.open('poll', KEY, other.seal('poll', KEY, 'a|1'), 100)).toBeUndefined();
    expect(s.rejected).toEqual(['poll mac']);
  });

  it('rejects a changed payload, a value of another version, garbage and a non-string as mac or malformed', () => {
    const s = countingSealer();
    const v = s.seal('job', KEY, '{"state":"FAILED"}');
    expect(s.open('job', KEY, v.replace('FAILED', 'SUCCEEDED'), 1000)).toBeUndefined();
    expect(s.open('job', KEY, `1${v.slice(1)}`, 1000)).toBeUndefined();
    expect(s.open('job', KEY, '{"id":"importexport:ABCDE"}', 1000)).toBeUndefined();
    expect(s.open('job', KEY, null, 1000)).toBeUndefined();
    expect(s.open('job', KEY, `2.${'A'.repeat(43)}.x`, 1000)).toBeUndefined();
    expect(s.rejected).toEqual([
      'job mac',
      'job malformed',
      'job malformed',
      'job malformed',
      'job mac',
    ]);
  });

  it('opens values sealed under JOBGRAPH_CLUSTER_SECRET_PREVIOUS too, never seals with it: each step of a rotation reads the replicas of the step beside it', () => {
    const s1 = 'the-cluster-secret-before-the-rotation-7f3a9c1e';
    const s2 = 'the-cluster-secret-after-the-rotation-0b5d2e84';
    // The three steps, each rolled out replica by replica: the next secret accepted first, then
    // sealed with (the old one accepted), then the old one dropped.
    const before = countingSealer(s1);
    const accepting = countingSealer(s1, s2);
    const sealing = countingSealer(s2, s1);
    const after = countingSealer(s2);
    const steps = [before, accepting, sealing, after];
    for (let i = 0; i + 1 < steps.length; i++) {
      const [a, b] = [steps[i]!, steps[i + 1]!];
      expect(b.open('watch', KEY, a.seal('watch', KEY, 'x'), 100)).toBe('x');
      expect(a.open('watch', KEY, b.seal('watch', KEY, 'x'), 100)).toBe('x');
    }
    for (const s of steps) expect(s.rejected).toEqual([]);
    // A replica two steps behind does not read the new secret's values: hence the steps.
    expect(before.open('watch', KEY, sealing.seal('watch', KEY, 'x'), 100)).toBeUndefined();
    expect(before.rejected).toEqual(['watch mac']);
    // The previous secret only opens: what `sealing` seals, a sealer of the old secret alone cannot read.
    expect(sealing.seal('watch', KEY, 'x')).toBe(after.seal('watch', KEY, 'x'));
  });

  it('rejects a value over its bound before computing anything of it', () => {
    const s = countingSealer();
    const v = s.seal('list', KEY, 'x'.repeat(101));
    expect(s.open('list', KEY, v, 100)).toBeUndefined();
    expect(s.rejected).toEqual(['list oversized']);
  });

  it('logs the first rejection of each kind and reason once, as JSON quoting no value', () => {
    const log = capturedLog();
    const s = createSealer(TEST_CLUSTER_SECRET, { logger: log.logger });
    const forged = '2.FORGEDMACFORGEDMACFORGEDMACFORGEDMACFORGED0.{"secret":"FORGEDKEY"}';
    for (let i = 0; i < 3; i++) s.open('job', KEY, forged, 1000);
    s.open('watch', KEY, forged, 1000);
    s.reject('job', 'binding');
    const lines = log.lines as unknown as Record<string, unknown>[];
    expect(lines.map((l) => [l.kind, l.reason])).toEqual([
      ['job', 'mac'],
      ['watch', 'mac'],
      ['job', 'binding'],
    ]);
    const text = JSON.stringify(log.lines);
    expect(text).not.toContain('FORGEDKEY');
    expect(text).not.toContain(TEST_CLUSTER_SECRET);
  });
});
