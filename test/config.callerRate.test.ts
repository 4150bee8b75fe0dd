import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.ts';

const callerRate = (env: Record<string, string>) => loadConfig({ mode: 'live' }, env).callerRate;

describe('JOBGRAPH_CALLER_RATE', () => {
  it('default to 600 requests a minute, all 600 at once', () => {
    expect(callerRate({})).toEqual({ count: 600, periodMs: 60_000, burst: 600 });
  });

  it.each([
    ['3/60s', { count: 3, periodMs: 60_000, burst: 3 }],
    ['10/s', { count: 10, periodMs: 1000, burst: 10 }],
    ['1000 / 1h', { count: 1000, periodMs: 3_600_000, burst: 1000 }],
    ['120/2M', { count: 120, periodMs: 120_000, burst: 120 }],
  ])('read %s as requests per period', (value, expected) => {
    expect(callerRate({ JOBGRAPH_CALLER_RATE: value })).toEqual(expected);
  });

  it.each(['0', 'off', 'OFF'])('turn the rate off with %s', (value) => {
    expect(callerRate({ JOBGRAPH_CALLER_RATE: value })).toBeNull();
  });

  it.each(['600', '600/60', '0/60s', '600/0s', '600/25h', '1000001/1h', '-1/s', '600/60x', 'lots'])(
    'refuse %s at start with one line naming the variable and the form',
    (value) => {
      expect(() => callerRate({ JOBGRAPH_CALLER_RATE: value })).toThrow(
        /^JOBGRAPH_CALLER_RATE: must be requests\/period such as 600\/60s/,
      );
    },
  );
});
