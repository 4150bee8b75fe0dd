import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AccountGrants, type DirectoryEntry } from '../../src/auth/accountGrant.ts';
import { mayRead } from '../../src/auth/mayRead.ts';
import { DEFAULT_ACCOUNT_ALIAS } from '../../src/auth/identity.ts';
import { DEFAULT_ACCOUNT } from '../../src/config/patterns.ts';

/**
 * "May this token see this job (provider, account)": one function (src/auth/mayRead.ts) that
 * reads, actions, log lines, subscriptions, the history and notification rules all call — a
 * grant by account ID or UIN covers one cloud, so no path may decide by the alias alone.
 */

const DIRECTORY: DirectoryEntry[] = [
  { provider: 'AWS_BATCH', alias: 'staging', ids: ['210987654321'] },
  { provider: 'TENCENT_COS_BATCH', alias: 'staging', ids: ['100000000002'] },
];
const grants = new AccountGrants(
  { claim: 'accounts', groups: null, required: false },
  () => DIRECTORY,
);

describe('mayRead', () => {
  it('decides per (provider, account): a COS UIN reads staging on COS, not on AWS', () => {
    const cos = grants.of({ accounts: ['100000000002'] });
    expect(mayRead(cos, 'TENCENT_COS_BATCH', 'staging')).toBe(true);
    expect(mayRead(cos, 'AWS_BATCH', 'staging')).toBe(false);
    const alias = grants.of({ accounts: ['staging'] });
    expect(mayRead(alias, 'AWS_BATCH', 'staging')).toBe(true);
    expect(mayRead(alias, 'AWS_BATCH', 'default')).toBe(false);
  });
});

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const read = (path: string) => readFileSync(join(SRC, path), 'utf8');
function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Each path that decides whether a caller sees a job, and the code of it that must call mayRead. */
const PATHS: [string, string, RegExp][] = [
  [
    'reads (job, jobs, _entities: loadJob)',
    'context.ts',
    /loadJob\([^]*?mayRead\(identity\.accounts/,
  ],
  [
    'actions (ActionGrant.permits)',
    'context.ts',
    /actionGrantOf[^]*?permits: \(provider, alias\) => mayRead\(identity\.accounts/,
  ],
  [
    'log lines (logTail)',
    'context.ts',
    /jobLogTailOf[^]*?mayRead\(identity\.accounts, key\.provider/,
  ],
  [
    'subscriptions and jobLogs (hub permitted)',
    'subscriptions/hub.ts',
    /permitted\([^]*?mayRead\(identity\.accounts/,
  ],
  ['the history', 'history/reader.ts', /mayRead\(grant, a\.provider, a\.alias\)/],
  [
    'notification rules (their pairs)',
    'notifications/rulePairs.ts',
    /grantHoldsAll[^]*?mayRead\(grant, pair\.provider, pair\.alias\)/,
  ],
];

describe('Every path deciding whether a caller sees a job', () => {
  it.each(PATHS)('%s calls mayRead', (_name, file, pattern) => {
    expect(read(file)).toMatch(pattern);
  });

  it('and no file above the datasources asks an account grant itself', () => {
    // The datasources take their own narrow grant (ListGrant) from a caller that decided by
    // mayRead; auth/ defines the grant; jobActions.ts's `grant` is the ActionGrant whose `permits`
    // is mayRead (above).
    const asking = walk(SRC)
      .map((f) => relative(SRC, f).split('\\').join('/'))
      .filter((f) => !f.startsWith('auth/') && !f.startsWith('datasources/'))
      .filter((f) => f !== 'actions/jobActions.ts')
      .filter((f) => /\b(?:accounts|grant)\.permits\(/.test(read(f)));
    expect(asking).toEqual([]);
  });
});

describe('the default account’s alias', () => {
  it('is the configuration’s, though the token’s grants spell it themselves (jobgraph --version loads them alone)', () => {
    expect(DEFAULT_ACCOUNT_ALIAS).toBe(DEFAULT_ACCOUNT);
  });
});
