import { createRequire } from 'node:module';

/**
 * The `User-Agent` of every upstream call, `jobgraph/<version>`, so a provider's logs and support
 * can tell jobgraph's calls apart. Never signed (SigV4 and smithy leave `user-agent` out).
 */
export const USER_AGENT = `jobgraph/${(createRequire(import.meta.url)('../../../package.json') as { version: string }).version}`;
