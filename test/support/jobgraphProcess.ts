import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where a jobgraph process a test spawns runs unless the test says (one folder per test worker):
 * a temporary folder, so what it writes beside its working folder (the default ./jobgraph-data of
 * live mode) stays out of the repository, which the suite checks (test/support/treeUnchanged.ts).
 */
export const PROCESS_CWD = mkdtempSync(join(tmpdir(), 'jobgraph-test-cwd-'));

/** `jobgraph` as a child process (bin/jobgraph.mjs, the compiled dist/). */
export interface JobgraphProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything printed so far (both grow as the process runs). */
  output: { stdout: string; stderr: string };
  /** Resolves with the exit code and signal. */
  exited: Promise<[number | null, string | null]>;
}

/**
 * Start `jobgraph <args>` with exactly `env` (and PATH) in `cwd` (default PROCESS_CWD), and resolve
 * once `ready` finds what it waits for in the stdout printed so far; an exit before that rejects,
 * naming `waitingFor` and carrying stderr.
 */
export async function startJobgraphProcess<T>(
  args: string[],
  env: Record<string, string>,
  ready: (stdout: string) => T | undefined,
  waitingFor: string,
  cwd?: string,
): Promise<JobgraphProcess & { ready: T }> {
  const bin = fileURLToPath(new URL('../../bin/jobgraph.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: cwd ?? PROCESS_CWD,
  });
  const output = { stdout: '', stderr: '' };
  child.stderr.on('data', (c: Buffer) => (output.stderr += c.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const found = await new Promise<T>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      output.stdout += c.toString();
      const value = ready(output.stdout);
      if (value !== undefined) resolve(value);
    });
    child.once('exit', () => reject(new Error(`${waitingFor}: exited early: ${output.stderr}`)));
  });
  return { child, output, exited, ready: found };
}
