import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { describeHistory } from '../../src/cli/startupSummary.ts';

const SECRET = 'a'.repeat(16) + 'bcdefghijklmnopqrstuvwxyz';

describe("The start-up summary's history line", () => {
  it('names the SQLite file, and says replicas sharing Redis each remember alone', () => {
    const alone = loadConfig(
      { mode: 'live' },
      {
        JOBGRAPH_DATA_DIR: '/var/lib/jg',
        JOBGRAPH_CACHE_URL: 'redis://127.0.0.1:6379',
        JOBGRAPH_CLUSTER_SECRET: SECRET,
      },
    );
    expect(describeHistory(alone)).toMatch(
      /^SQLite file \/var\/lib\/jg\/history\.sqlite, 400 days; .*each remembers alone/,
    );
    expect(describeHistory(loadConfig({ mode: 'live' }, {}))).not.toMatch(/alone/);
  });

  it('names a PostgreSQL store without its password, and says when history is off', () => {
    const pg = loadConfig(
      { mode: 'live' },
      { JOBGRAPH_HISTORY_URL: 'postgres://jg:hunter2-pw@db.internal:5432/history' },
    );
    expect(describeHistory(pg)).toBe(
      'PostgreSQL postgres://jg@db.internal:5432/history, shared by the replicas, 400 days',
    );
    expect(describeHistory(loadConfig({ mode: 'live' }, { JOBGRAPH_HISTORY_URL: 'off' }))).toMatch(
      /^off/,
    );
    expect(() => loadConfig({ mode: 'live' }, { JOBGRAPH_HISTORY_URL: 'mysql://x' })).toThrow(
      /^JOBGRAPH_HISTORY_URL: must be sqlite:<file>, a postgres:\/\/ URL, or off$/,
    );
  });
});
