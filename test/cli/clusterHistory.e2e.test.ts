// A replica of a cluster on a history of its own (issue 89, item 1): live mode with
// JOBGRAPH_CACHE_URL (replicas sharing Redis) and a SQLite history refuses to start in one line
// naming the variables, unless JOBGRAPH_HISTORY_PRIVATE says so; on the PostgreSQL the replicas
// share it starts. The real CLI process (bin/jobgraph.mjs, the compiled dist/).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_CLUSTER_SECRET } from '../support/clusterSecret.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { startLiveProcess, type LiveProcess } from '../support/liveProcess.ts';
import { useRedis } from '../support/useRedis.ts';

const BIN = fileURLToPath(new URL('../../bin/jobgraph.mjs', import.meta.url));
const REDIS_PASSWORD = 'redis-password-never-printed-7f3a';

describe('A replica of a cluster (JOBGRAPH_CACHE_URL set) and its history', () => {
  const redis = useRedis();
  const dataDir = mkdtempSync(join(tmpdir(), 'jobgraph-cluster-history-'));
  const started: LiveProcess[] = [];
  afterAll(async () => {
    for (const p of started) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });
  const env = (more: Record<string, string>) => ({
    PORT: '0',
    HOST: '127.0.0.1',
    JOBGRAPH_JWT_SECRET: 'cluster-history-test-secret-0123456789',
    JOBGRAPH_CACHE_URL: redis.url,
    JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
    JOBGRAPH_DATA_DIR: join(dataDir, 'default'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...more,
  });

  it.each([
    ['the default SQLite file', {}],
    ['a SQLite file it names', { JOBGRAPH_HISTORY_URL: `sqlite:${join(dataDir, 'named.sqlite')}` }],
  ])('refuses %s in one line naming the variables, before anything is made', (_, more) => {
    const url = new URL(redis.url);
    url.password = REDIS_PASSWORD;
    const r = spawnSync(process.execPath, [BIN], {
      env: { PATH: process.env.PATH ?? '', ...env({ ...more, JOBGRAPH_CACHE_URL: url.href }) },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^jobgraph: configuration error: JOBGRAPH_HISTORY_URL: a replica sharing Redis \(JOBGRAPH_CACHE_URL\) would keep a history of its own .* set JOBGRAPH_HISTORY_URL to the PostgreSQL the replicas share \(postgres:\/\/…\), or JOBGRAPH_HISTORY_PRIVATE=1 /,
    );
    expect(r.stderr).not.toContain(REDIS_PASSWORD);
    expect(existsSync(join(dataDir, 'default'))).toBe(false);
    expect(existsSync(join(dataDir, 'named.sqlite'))).toBe(false);
  });

  it('starts on a SQLite file of its own when JOBGRAPH_HISTORY_PRIVATE=1 says so', async () => {
    const p = await startLiveProcess(env({ JOBGRAPH_HISTORY_PRIVATE: '1' }));
    started.push(p);
    const res = await fetch(new URL('/healthz', p.url));
    expect(res.status).toBe(200);
    expect(existsSync(join(dataDir, 'default', 'history.sqlite'))).toBe(true);
  });

  const postgres = historyStores().find((s) => s.name === 'PostgreSQL server')!;
  it.skipIf(postgres.skip)('starts on the PostgreSQL the replicas share', async () => {
    const store = await postgres.fresh();
    const p = await startLiveProcess(env({ JOBGRAPH_HISTORY_URL: historyUrlOf(store) }));
    started.push(p);
    expect((await fetch(new URL('/healthz', p.url))).status).toBe(200);
  });
});
