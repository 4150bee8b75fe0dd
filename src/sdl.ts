import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type DocumentNode } from 'graphql';

const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

/**
 * The subgraph SDL: `schema/job.graphql` first, then one file per provider, as one document. Its
 * own module (graphql only), so `jobgraph schema` reads it without the resolvers and Apollo.
 */
export function loadTypeDefs(dir: string = SCHEMA_DIR): DocumentNode {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'job.graphql' ? -1 : b === 'job.graphql' ? 1 : a.localeCompare(b)));
  return parse(files.map((f) => readFileSync(`${dir}${f}`, 'utf8')).join('\n'));
}
