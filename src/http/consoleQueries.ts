import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  isScalarType,
  type GraphQLObjectType,
  parse,
  print,
  type GraphQLSchema,
} from 'graphql';
import { KINDS } from '../datasources/registry.ts';

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
    } else if (isInterfaceType(named)) {
      // Another job (`rerunOf`, `reruns`): its ID, which the page links.
      if (depth === 1 && named.name === 'Job') parts.push(`${field.name} { id }`);
    } else {
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
  for (const { key } of KINDS) {
    const typeName = key.typeName;
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`the schema has no type ${typeName}`);
    queries[key.prefix] = print(
      parse(
        `query ConsoleJob($id: ID!) { job(id: $id) { __typename ... on ${typeName} { ${selectAll(type, 1)} } } }`,
      ),
    );
  }
  return queries;
}

/** A number field whose description says it is a Unix time (seconds), as COS Batch sends some. */
const UNIX_TIME = /\bUnix time\b/;

/** The paths (`operation.putObjectCopy.modifiedSinceConstraint`) of `type`'s Unix-time fields, at any depth. */
function unixTimePaths(type: GraphQLObjectType, prefix: string, depth: number): string[] {
  const paths: string[] = [];
  for (const field of Object.values(type.getFields())) {
    if (field.args.length > 0) continue;
    const named = getNamedType(field.type);
    const path = `${prefix}${field.name}`;
    if (isObjectType(named) && depth < MAX_NESTING) {
      paths.push(...unixTimePaths(named, `${path}.`, depth + 1));
    } else if (
      isScalarType(named) &&
      (named.name === 'Float' || named.name === 'Int') &&
      UNIX_TIME.test(field.description ?? '')
    ) {
      paths.push(path);
    }
  }
  return paths;
}

/**
 * The job page's times that are not DateTime: per global ID prefix, the field paths (list indices
 * left out) of numbers the provider sends as Unix times in seconds and the schema keeps as they
 * came (COS Batch's `modifiedSinceConstraint`), so the page shows them as it shows a DateTime.
 * @public (console/build.mjs imports it from dist/, which knip does not follow)
 */
export function consoleUnixTimeFields(schema: GraphQLSchema): Record<string, string[]> {
  const fields: Record<string, string[]> = {};
  for (const { key } of KINDS) {
    const type = schema.getType(key.typeName);
    if (!isObjectType(type)) throw new Error(`the schema has no type ${key.typeName}`);
    fields[key.prefix] = unixTimePaths(type, '', 1);
  }
  return fields;
}
