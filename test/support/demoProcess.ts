import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { startJobgraphProcess, type JobgraphProcess } from './jobgraphProcess.ts';
import { useStarted } from './useStarted.ts';

/** `jobgraph demo` as a child process (bin/jobgraph.mjs, the compiled dist/), once its banner is printed. */
export interface DemoProcess extends JobgraphProcess {
  /** The GraphQL endpoint, on 127.0.0.1. */
  url: string;
  /** The reader token the banner printed. */
  token: string;
}

/** Start `jobgraph demo` on a free port (in `cwd`, default PROCESS_CWD) and wait for its banner (the last line names the Import/Export emulator). */
export async function startDemoProcess(
  env: Record<string, string> = {},
  cwd?: string,
): Promise<DemoProcess> {
  const { child, output, exited } = await startJobgraphProcess(
    ['demo'],
    { PORT: '0', ...env },
    (stdout) => (/AWS_ENDPOINT_URL_IMPORTEXPORT=\S+\n/.test(stdout) ? true : undefined),
    'demo banner',
    cwd,
  );
  const url = (output.stdout.match(/GraphQL \+ Apollo Sandbox:\s+(\S+)/)?.[1] as string).replace(
    'localhost',
    '127.0.0.1',
  );
  const token = output.stdout.match(/Authorization: Bearer (\S+)/)?.[1] as string;
  return { child, url, token, output, exited };
}

/**
 * `jobgraph demo` on a history of its own (`dataDir`, a new folder named from `prefix`): started
 * before the block's first test, stopped (SIGTERM, its exit awaited) after its last, and the folder
 * removed then.
 */
export function useDemoProcess(prefix: string): { demo: DemoProcess; dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  // Registered before the process's afterAll: runs after it (after hooks run as a stack).
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  const demo = useStarted(
    'the demo process',
    () => startDemoProcess({ JOBGRAPH_DATA_DIR: dataDir }),
    async (started) => {
      started.child.kill('SIGTERM');
      await started.exited;
    },
  );
  return { demo, dataDir };
}
