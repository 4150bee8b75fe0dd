import { buildSubgraphSchema } from '@apollo/subgraph';
import { addResolversToSchema } from '@graphql-tools/schema';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { loadTypeDefs } from './sdl.ts';
import { applyAuthDirectives, readAuthPolicy, type AuthPolicy } from './auth/directives.ts';
import { resolvers } from './resolvers/index.ts';
import { checkRepresentationKey } from './model/jobKeys.ts';

export { loadTypeDefs } from './sdl.ts';

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
    resolverValidationOptions: {
      requireResolversToMatchSchema: 'error',
      requireResolversForResolveType: 'error',
    },
  });
  const policy = readAuthPolicy(subgraph);
  return {
    schema: applyAuthDirectives(subgraph, policy, { checkRepresentation: checkRepresentationKey }),
    policy,
  };
}
