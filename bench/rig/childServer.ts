import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { INSPECT_LOOPBACK, inspectorUrl } from './inspector.ts';
import { cpuTimeMicros, rssBytes } from './proc.ts';

/** A bench server (bench/baseline, bench/peer) running as its own process. */
export interface ChildServer {
  url: string;
  pid: number;
  /** Its inspector's `ws://` URL on loopback (`inspect`), else null. */
  inspector: string | null;
  cpuMicros(): number;
  rss(): number;
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Run `node --import tsx <serverFile> ...args` from the repository root with a clean environment
 * (nothing from the caller's shell, such as AWS_PROFILE or NODE_OPTIONS, leaks in) and wait for
 * the `{"port":N}` line it prints once listening on 127.0.0.1. `inspect`: with its inspector open
 * on loopback, for memory read after a collection (rig/inspector.ts).
 */
export async function startChildServer(
  serverFile: string,
  args: readonly string[],
  options: { inspect?: boolean } = {},
): Promise<ChildServer> {
  const flags = options.inspect ? [INSPECT_LOOPBACK] : [];
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', serverFile, ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // stderr is read for the inspector's URL alone; all of it still reaches the bench's stderr.
  child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  const inspector = options.inspect ? inspectorUrl(child.stderr) : null;
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
  const inspectorAt = inspector ? await inspector : null;
  if (options.inspect && !inspectorAt) {
    child.kill('SIGKILL');
    await exited;
    throw new Error(`${serverFile}: no inspector on loopback`);
  }
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    pid,
    inspector: inspectorAt,
    cpuMicros: () => cpuTimeMicros(pid),
    rss: () => rssBytes(pid),
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
