import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { StoredJob } from '../baseline/schema.ts';
import { startChildServer, type ChildServer } from '../rig/childServer.ts';

/**
 * Start bench/baseline/server.ts as its own process, serving `jobs` from memory; with `memo`,
 * node:http alone (each body's first answer given again, no GraphQL after it); with `apollo`, a
 * bare Apollo Server 5 (its standalone server, default options) over the same schema.
 */
export async function startBaseline(
  jobs: readonly StoredJob[],
  dataFile: string,
  options: { memo?: boolean; apollo?: boolean } = {},
): Promise<ChildServer> {
  writeFileSync(dataFile, JSON.stringify(jobs));
  const serverFile = fileURLToPath(new URL('../baseline/server.ts', import.meta.url));
  return startChildServer(serverFile, [
    dataFile,
    ...(options.memo ? ['--memo'] : []),
    ...(options.apollo ? ['--apollo'] : []),
  ]);
}
