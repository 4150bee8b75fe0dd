import { startJobgraphProcess, type JobgraphProcess } from './jobgraphProcess.ts';

/** `jobgraph` in live mode as a child process (bin/jobgraph.mjs, the compiled dist/), once it listens. */
export interface LiveProcess extends JobgraphProcess {
  /** The GraphQL endpoint it logged, e.g. `http://127.0.0.1:38161/graphql`. */
  url: string;
  port: number;
}

/**
 * Start `jobgraph` (live mode) with exactly `env` (and PATH), and resolve once it has logged
 * "jobgraph listening": from then on its port accepts connections.
 */
export async function startLiveProcess(env: Record<string, string>): Promise<LiveProcess> {
  const { child, output, exited, ready } = await startJobgraphProcess(
    [],
    env,
    (stdout) => /"endpoint":"([^"]+)".*"msg":"jobgraph listening/.exec(stdout)?.[1],
    'jobgraph before listening',
  );
  return { child, url: ready, port: Number(new URL(ready).port), output, exited };
}
