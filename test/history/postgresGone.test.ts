// A PostgreSQL server that goes away (restarted, failed over, stopped) while the gateway holds one
// of its connections must fail that connection's queries, not the process: pg emits 'error' on a
// checked-out client whose socket ends, and an 'error' with no listener is an uncaught exception.
// Through a real PostgreSQL server, in a child process, so the crash is the child's exit code.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { usePostgres } from '../support/usePostgres.ts';

const pg = usePostgres();
const CHILD = fileURLToPath(new URL('../support/heldPgConnection.ts', import.meta.url));

describe.skipIf(pg.skip)('The history store on a PostgreSQL server that goes away', () => {
  it('fails the held connection’s query and keeps the process alive', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, JOBGRAPH_TEST_PG_URL: pg.server().url },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.on('error', () => undefined); // a child that already died has no stdin to write
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('held\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`child exited early: ${err}`)));
    });
    pg.server().stop();
    child.stdin.write('stopped\n');
    expect(await exited).toBe(0);
    expect(out).toMatch(/query failed: /);
    expect(out).toContain('alive');
    expect(err).not.toContain('Connection terminated unexpectedly');
  }, 60_000);
});
