import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** `jobgraph` in live mode as a child process (bin/jobgraph.mjs, the compiled dist/), once it listens. */
export interface LiveProcess {
  child: ChildProcessWithoutNullStreams;
  /** The GraphQL endpoint it logged, e.g. `http://127.0.0.1:38161/graphql`. */
  url: string;
  port: number;
  /** Everything printed so far (both grow as the process runs). */
  output: { stdout: string; stderr: string };
  /** Resolves with the exit code and signal. */
  exited: Promise<[number | null, string | null]>;
}

/**
 * Start `jobgraph` (live mode) with exactly `env` (and PATH), and resolve once it has logged
 * "jobgraph listening": from then on its port accepts connections.
 */
export async function startLiveProcess(env: Record<string, string>): Promise<LiveProcess> {
  const bin = fileURLToPath(new URL('../../bin/jobgraph.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stderr.on('data', (c: Buffer) => (output.stderr += c.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      output.stdout += c.toString();
      const endpoint = /"endpoint":"([^"]+)".*"msg":"jobgraph listening/.exec(output.stdout)?.[1];
      if (endpoint) resolve(endpoint);
    });
    child.once('exit', () =>
      reject(new Error(`jobgraph exited before listening: ${output.stderr}`)),
    );
  });
  return { child, url, port: Number(new URL(url).port), output, exited };
}
