import { describe, expect, it } from 'vitest';
import { fileTimes, slowestTable } from '../scripts/slowest.ts';

const report = {
  startTime: 0,
  testResults: [
    { name: '/repo/test/a.test.ts', startTime: 1_000, endTime: 3_500, assertionResults: [1, 2] },
    { name: '/repo/test/b.e2e.test.ts', startTime: 0, endTime: 61_000, assertionResults: [1] },
    { name: '/repo/test/c.test.ts', startTime: 5_000, endTime: 5_100, assertionResults: [] },
  ],
};

describe('scripts/slowest.ts', () => {
  it('orders a vitest JSON report’s files by their tests’ time, relative to the root', () => {
    expect(fileTimes(report, '/repo')).toEqual([
      { file: 'test/b.e2e.test.ts', seconds: 61, tests: 1 },
      { file: 'test/a.test.ts', seconds: 2.5, tests: 2 },
      { file: 'test/c.test.ts', seconds: 0.1, tests: 0 },
    ]);
  });

  it('prints the slowest files with the total of all files', () => {
    expect(slowestTable(fileTimes(report, '/repo'), 2).split('\n')).toEqual([
      'The 2 slowest of 3 test files (tests’ time, 64 s in all files):',
      '   61.0 s    1 tests  test/b.e2e.test.ts',
      '    2.5 s    2 tests  test/a.test.ts',
    ]);
  });
});
