import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { realPart } from './realParts.ts';

/** A free loopback port, asked of the kernel. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

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
 * A throwaway PostgreSQL cluster for a test file: initdb into a temporary folder and started on a
 * free loopback port as the `postgres` OS user (postgres refuses to run as root, which the tests
 * are), its socket in that folder; stopped and removed after the file. Skipped with one line
 * where Debian's postgresql is missing, failing under CI (realParts.ts).
 */
export function usePostgres(): { skip: boolean; server: () => PostgresServer } {
  const part = realPart('postgresql');
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    if (part.skip) return;
    const bin = pgBin();
    if (!bin) throw new Error(part.missing ?? 'postgresql is missing');
    const dir = mkdtempSync(join(tmpdir(), 'jobgraph-pg-'));
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
    const asPostgres = (cmd: string, args: string[]) => {
      const r = spawnSync('runuser', ['-u', 'postgres', '--', `${bin}/${cmd}`, ...args], {
        encoding: 'utf8',
      });
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
    server = {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      stop: () => {
        spawnSync('runuser', [
          '-u',
          'postgres',
          '--',
          `${bin}/pg_ctl`,
          '-D',
          data,
          '-m',
          'immediate',
          'stop',
        ]);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }, 60_000);
  afterAll(() => server?.stop());
  return {
    skip: part.skip,
    server: () => {
      if (!server) throw new Error('PostgreSQL did not start');
      return server;
    },
  };
}
