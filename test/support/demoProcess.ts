import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** `jobgraph demo` as a child process (bin/jobgraph.mjs, the compiled dist/), once its banner is printed. */
export interface DemoProcess {
  child: ChildProcessWithoutNullStreams;
  /** The GraphQL endpoint, on 127.0.0.1. */
  url: string;
  /** The reader token the banner printed. */
  token: string;
  /** Everything printed so far (stderr grows as the process runs). */
  output: { stdout: string; stderr: string };
  /** Resolves with the exit code and signal. */
  exited: Promise<[number | null, string | null]>;
}

/** Start `jobgraph demo` on a free port and wait for its banner (the last line names the Import/Export emulator). */
export async function startDemoProcess(env: Record<string, string> = {}): Promise<DemoProcess> {
  const bin = fileURLToPath(new URL('../../bin/jobgraph.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'demo'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stderr.on('data', (c: Buffer) => (output.stderr += c.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (c: Buffer) => {
      output.stdout += c.toString();
      if (/AWS_ENDPOINT_URL_IMPORTEXPORT=\S+\n/.test(output.stdout)) resolve();
    });
    child.once('exit', () => reject(new Error(`demo exited early: ${output.stderr}`)));
  });
  const url = (output.stdout.match(/GraphQL \+ Apollo Sandbox:\s+(\S+)/)?.[1] as string).replace(
    'localhost',
    '127.0.0.1',
  );
  const token = output.stdout.match(/Authorization: Bearer (\S+)/)?.[1] as string;
  return { child, url, token, output, exited };
}
