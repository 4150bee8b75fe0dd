import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PROCESS_CWD } from './jobgraphProcess.ts';
import { stderrText } from './stderrText.ts';

/** The `jobgraph` command as a user runs it. */
export const BIN = fileURLToPath(new URL('../../bin/jobgraph.mjs', import.meta.url));

export function runJobgraph(
  args: string[],
  env: Record<string, string>,
  until?: RegExp,
  nodeArgs: string[] = [],
): Promise<{ stdout: string; stderr: string; code: number | null; kill(): void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, BIN, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Not the repository: live mode keeps its default history beside its working folder.
      cwd: PROCESS_CWD,
    });
    let stdout = '';
    let stderr = '';
    const done = (code: number | null) =>
      resolve({ stdout, stderr, code, kill: () => child.kill('SIGTERM') });
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      if (until && until.test(stdout)) done(null);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (until && until.test(stderrText(stderr))) done(null);
    });
    child.on('error', reject);
    child.on('exit', (code) => done(code));
  });
}
