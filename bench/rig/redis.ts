import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { freePort, sleep } from './proc.ts';

/** A throwaway redis-server on a free loopback port (no persistence), or why there is none. */
export async function startRedis(): Promise<
  { url: string; stop(): Promise<void> } | { skipped: string }
> {
  if (spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status !== 0)
    return { skipped: 'redis-server is not on PATH' };
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) break;
    if (i > 100 || child.exitCode !== null) {
      child.kill('SIGKILL');
      return { skipped: `redis-server did not start on port ${port}` };
    }
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
