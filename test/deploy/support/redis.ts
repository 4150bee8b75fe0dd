import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from '../../support/rawHttp.ts';
import { requirePart } from '../../support/realParts.ts';

/** A redis-server of the test's own on 127.0.0.1, nothing saved to disk. */
export interface RedisProcess {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Start redis-server and resolve once it says it is ready; a port taken meanwhile is retried with another. */
export async function startRedis(): Promise<RedisProcess> {
  requirePart('redis-server');
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'ignore'] },
    );
    const exited = once(child, 'exit');
    let out = '';
    const ready = await new Promise<boolean>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('Ready to accept connections')) resolve(true);
      });
      void exited.then(() => resolve(false));
    });
    if (ready)
      return {
        url: `redis://127.0.0.1:${port}`,
        child,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL');
            await exited;
          }
        },
      };
  }
  throw new Error('redis-server did not start');
}
