import { startJobgraphProcess, type JobgraphProcess } from './jobgraphProcess.ts';

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
