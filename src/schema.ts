import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { addResolversToSchema } from '@graphql-tools/schema';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { applyAuthDirectives, readAuthPolicy, type AuthPolicy } from './auth/directives.ts';
import { resolvers } from './resolvers/index.ts';
import { checkRepresentationKey } from './resolvers/representationKey.ts';

const SCHEMA_DIR = fileURLToPath(new URL('../schema/', import.meta.url));

/** The SDL: `schema/job.graphql` first, then one file per provider, as one document. */
export function loadTypeDefs(dir: string = SCHEMA_DIR): DocumentNode {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort((a, b) => (a === 'job.graphql' ? -1 : b === 'job.graphql' ? 1 : a.localeCompare(b)));
  return parse(files.map((f) => readFileSync(`${dir}${f}`, 'utf8')).join('\n'));
}

export interface BuiltSchema {
  schema: GraphQLSchema;
  policy: AuthPolicy;
}

/**
 * Build the Federation 2 subgraph schema with resolvers, then apply the auth transformer.
 * Fails at start if a resolver names a type or field the SDL lacks, or if an interface or
 * union has no `__resolveType`.
 */
export function buildSchema(typeDefs: DocumentNode = loadTypeDefs()): BuiltSchema {
  const subgraph = buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
  // buildSubgraphSchema attaches resolvers (and `__resolveReference`, which only it knows) but
  // silently skips names the SDL lacks; @graphql-tools/schema checks them. Re-attaching the
  // same functions in place changes nothing else.
  addResolversToSchema({
    schema: subgraph,
    resolvers,
    updateResolversInPlace: true,
    resolverValidationOptions: { requireResolversToMatchSchema: 'error', requireResolversForResolveType: 'error' },
  });
  const policy = readAuthPolicy(subgraph);
  return { schema: applyAuthDirectives(subgraph, policy, { checkRepresentation: checkRepresentationKey }), policy };
}
