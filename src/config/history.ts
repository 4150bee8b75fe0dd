import { resolve } from 'node:path';
import { ConfigError, opt, type Env } from './env.ts';
import type { Config } from './types.ts';

/** Where JOBGRAPH_DATA_DIR points when unset: a folder beside where jobgraph was started. */
export const DEFAULT_DATA_DIR = './jobgraph-data';
/** The SQLite file of the default history store, inside the data folder. */
export const DEFAULT_HISTORY_FILE = 'history.sqlite';

/**
 * JOBGRAPH_HISTORY_URL and JOBGRAPH_DATA_DIR: `sqlite:<path>` (a file, relative to the working
 * folder), `postgres://…` (replicas share it), or `off`; unset, a SQLite file in the data folder.
 * A PostgreSQL URL is kept whole (it may hold a password) but never part of a message.
 */
export function historyStoreOf(env: Env): Config['history']['store'] {
  const name = 'JOBGRAPH_HISTORY_URL';
  const givenDir = opt(env, 'JOBGRAPH_DATA_DIR');
  const dataDir = resolve(givenDir ?? DEFAULT_DATA_DIR);
  const v = opt(env, name);
  if (v === undefined)
    return {
      kind: 'sqlite',
      path: resolve(dataDir, DEFAULT_HISTORY_FILE),
      dataDir,
      implicit: givenDir === undefined,
    };
  if (v.toLowerCase() === 'off') return { kind: 'off' };
  if (v.startsWith('sqlite:')) {
    const path = v.slice('sqlite:'.length);
    if (path === '' || path === ':memory:')
      throw new ConfigError(
        name,
        'must name a file after sqlite: (e.g. sqlite:./jobgraph-data/history.sqlite)',
      );
    return { kind: 'sqlite', path: resolve(path), dataDir: null, implicit: false };
  }
  if (/^postgres(ql)?:\/\//.test(v)) {
    try {
      new URL(v);
    } catch {
      throw new ConfigError(
        name,
        'is not a URL (expected e.g. postgres://user@host:5432/jobgraph)',
      );
    }
    return { kind: 'postgres', url: v };
  }
  throw new ConfigError(name, 'must be sqlite:<file>, a postgres:// URL, or off');
}

/**
 * Refuses a replica of a cluster (JOBGRAPH_CACHE_URL set: replicas sharing Redis) whose history is
 * a SQLite file, private to it, unless JOBGRAPH_HISTORY_PRIVATE says so: each replica would
 * remember alone (another replica's actions and transitions missing, its cursors refused). One
 * line naming the variables. Live mode only: the demo is one process.
 */
export function refusePrivateClusterHistory(config: Pick<Config, 'cache' | 'history'>): void {
  if (config.cache.url === null || config.history.store.kind !== 'sqlite' || config.history.private)
    return;
  throw new ConfigError(
    'JOBGRAPH_HISTORY_URL',
    'a replica sharing Redis (JOBGRAPH_CACHE_URL) would keep a history of its own in a SQLite file, so the replicas would each remember alone; set JOBGRAPH_HISTORY_URL to the PostgreSQL the replicas share (postgres://…), or JOBGRAPH_HISTORY_PRIVATE=1 to keep a history per replica on purpose',
  );
}
