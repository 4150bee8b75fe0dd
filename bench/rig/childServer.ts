import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuTimeMicros, rssBytes } from './proc.ts';

/** A bench server (bench/baseline, bench/peer) running as its own process. */
export interface ChildServer {
  url: string;
  pid: number;
  cpuMicros(): number;
  rss(): number;
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Run `node --import tsx <serverFile> ...args` from the repository root with a clean environment
 * (nothing from the caller's shell, such as AWS_PROFILE or NODE_OPTIONS, leaks in) and wait for
 * the `{"port":N}` line it prints once listening on 127.0.0.1.
 */
export async function startChildServer(
  serverFile: string,
  args: readonly string[],
): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', serverFile, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.once('exit', (code) => reject(new Error(`${serverFile} exited (code ${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  const pid = child.pid ?? -1;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    pid,
    cpuMicros: () => cpuTimeMicros(pid),
    rss: () => rssBytes(pid),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
