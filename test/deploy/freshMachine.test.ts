import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { realPartStatus, strictRun, type RealPartName } from '../support/realParts.ts';

// What a first `npm test` does on a machine without redis-server, nginx or Chromium (the tests that
// need one skip, in one line naming its Debian package) and what CI does (they fail: CI runs all).

const PARTS: [RealPartName, string][] = [
  ['redis-server', 'redis-server'],
  ['nginx', 'nginx-light'],
  ['chromium', 'chromium'],
  ['aws-cli', 'awscli'],
  ['postgresql', 'postgresql'],
];

describe('The real programs some tests need (test/support/realParts.ts)', () => {
  it.each(PARTS)(
    'skips the tests that need %s when it is missing, saying which Debian package (%s) brings it',
    (name, debian) => {
      const status = realPartStatus(name, { PATH: process.env.PATH, TEST_WITHOUT: name });
      expect(status).toMatchObject({ name, present: false, skip: true });
      expect(status.missing).toContain(`apt-get install ${debian}`);
      expect(status.missing).toContain('SKIPPED');
      expect(status.missing?.split('\n')).toHaveLength(1);
    },
  );

  it.each(PARTS)('fails (does not skip) the tests that need %s under CI', (name, debian) => {
    for (const CI of ['true', '1']) {
      const status = realPartStatus(name, { PATH: process.env.PATH, TEST_WITHOUT: name, CI });
      expect(status).toMatchObject({ present: false, skip: false });
      expect(status.missing).toContain(`apt-get install ${debian}`);
      expect(status.missing).toContain('FAIL');
    }
    expect(strictRun({ CI: 'false' })).toBe(false);
    expect(strictRun({})).toBe(false);
  });

  it('finds redis-server on the PATH, not elsewhere', () => {
    expect(realPartStatus('redis-server', { PATH: '/nonexistent' }).present).toBe(false);
  });

  it('is what .ci/run installs, and .ci/run runs strict', () => {
    const ci = readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8');
    expect(ci).toMatch(/^export CI="\$\{CI:-true\}"$/m);
    const install = /apt-get install -y -qq ([^;]+);/.exec(ci)?.[1]?.split(/\s+/);
    expect(install?.sort()).toEqual(PARTS.map(([, debian]) => debian).sort());
  });
});
