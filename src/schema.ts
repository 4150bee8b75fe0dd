import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { isObjectType, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
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
 * Fails at start if a resolver names a type or field the SDL lacks.
 */
export function buildSchema(typeDefs: DocumentNode = loadTypeDefs()): BuiltSchema {
  const subgraph = buildSubgraphSchema({ typeDefs, resolvers: resolvers as never });
  checkResolversMatchSchema(subgraph);
  const policy = readAuthPolicy(subgraph);
  return { schema: applyAuthDirectives(subgraph, policy, { checkRepresentation: checkRepresentationKey }), policy };
}

function checkResolversMatchSchema(schema: GraphQLSchema): void {
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!type) throw new Error(`Resolvers define type ${typeName}, which the schema lacks`);
    if (!isObjectType(type)) continue;
    for (const field of Object.keys(fields)) {
      if (field.startsWith('__')) continue;
      if (!type.getFields()[field]) throw new Error(`Resolvers define ${typeName}.${field}, which the schema lacks`);
    }
  }
}
