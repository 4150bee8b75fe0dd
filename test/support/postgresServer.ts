import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './rawHttp.ts';

/** The bin folder of the newest Debian postgresql installed, or null. */
function pgBin(): string | null {
  try {
    const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
    return versions.length ? `/usr/lib/postgresql/${versions[0]}/bin` : null;
  } catch {
    return null;
  }
}

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres — loopback only. */
  url: string;
  stop(): void;
}

/**
 * A throwaway PostgreSQL cluster: initdb into a temporary folder and started on a free loopback
 * port as the `postgres` OS user (postgres refuses to run as root, which the tests and benchmarks
 * are), its socket in that folder; `stop` stops it and removes the folder. `missing`: the line to
 * throw when Debian's postgresql is not installed.
 */
export async function startPostgresServer(missing: string | null): Promise<PostgresServer> {
  const bin = pgBin();
  if (!bin) throw new Error(missing ?? 'postgresql is missing');
  const dir = mkdtempSync(join(tmpdir(), 'jobgraph-pg-'));
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  chownSync(dir, uid, gid);
  const run = (cmd: string, args: string[]) =>
    spawnSync('runuser', ['-u', 'postgres', '--', `${bin}/${cmd}`, ...args], { encoding: 'utf8' });
  const asPostgres = (cmd: string, args: string[]) => {
    const r = run(cmd, args);
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr.split('\n')[0]}`);
  };
  const data = join(dir, 'data');
  asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
  const port = await freePort();
  asPostgres('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
    'start',
  ]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: () => {
      run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
