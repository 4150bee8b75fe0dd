import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  type GraphQLObjectType,
  parse,
  print,
  type GraphQLSchema,
} from 'graphql';
import { GLOBAL_ID_PREFIX } from '../model/globalId.ts';
import type { JobProvider } from '../model/job.ts';
import { JOB_TYPE_NAME } from '../model/jobKeys.ts';

/** Nested objects deeper than this are not selected (the schema's own depth is 4 below a job). */
const MAX_NESTING = 6;

/** Every field of `type`, objects expanded to their own fields: the selection set's body. */
function selectAll(type: GraphQLObjectType, depth: number): string {
  const parts: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.length > 0) continue;
    const named = getNamedType(field.type);
    if (isObjectType(named)) {
      if (depth >= MAX_NESTING) continue;
      parts.push(`${field.name} { ${selectAll(named, depth + 1)} }`);
    } else if (!isInterfaceType(named)) {
      parts.push(field.name);
    }
  }
  return parts.join(' ');
}

/**
 * The job page's queries, one per concrete job type, keyed by the global ID's prefix: every field
 * of that type, nested objects included, made from the schema at build time so the page shows
 * each provider field the schema has. Fields the caller may not see come back null with a
 * FORBIDDEN error at their path, which the page shows as "hidden".
 */
export function consoleJobQueries(schema: GraphQLSchema): Record<string, string> {
  const queries: Record<string, string> = {};
  for (const [provider, typeName] of Object.entries(JOB_TYPE_NAME)) {
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`the schema has no type ${typeName}`);
    queries[GLOBAL_ID_PREFIX[provider as JobProvider]] = print(
      parse(
        `query ConsoleJob($id: ID!) { job(id: $id) { __typename ... on ${typeName} { ${selectAll(type, 1)} } } }`,
      ),
    );
  }
  return queries;
}
