import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StoredJob } from '../baseline/schema.ts';

export interface BaselineProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Start bench/baseline/server.ts as its own process, serving `jobs` from memory; with `memo`,
 * node:http alone (each body's first answer given again, no GraphQL after it); with `apollo`, a
 * bare Apollo Server 5 (its standalone server, default options) over the same schema.
 */
export async function startBaseline(
  jobs: readonly StoredJob[],
  dataFile: string,
  options: { memo?: boolean; apollo?: boolean } = {},
): Promise<BaselineProcess> {
  writeFileSync(dataFile, JSON.stringify(jobs));
  const serverFile = fileURLToPath(new URL('../baseline/server.ts', import.meta.url));
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', serverFile, dataFile, ...(options.memo ? ['--memo'] : [])], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    child.once('exit', (code) => reject(new Error(`baseline server exited (code ${code})`)));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const line = buffered.split('\n')[0];
      if (buffered.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    pid: child.pid ?? -1,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
