import {
  getNamedType,
  isAbstractType,
  isObjectType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { PROVIDERS } from '../../src/datasources/registry.ts';

/** The concrete Job types: each provider's, in registry order. */
export const JOB_TYPES: readonly string[] = PROVIDERS.map((p) => p.key.typeName);

/**
 * Fields left out of "every field": a job's log lines (`logTail`) are a read of another service
 * (CloudWatch Logs) under their own scope and budget, made only when someone asks for one job's
 * log, never 100 jobs' at once (test/datasources/logs/logTail.test.ts).
 */
const NOT_IN_THE_SINK: ReadonlySet<string> = new Set(['logTail']);

/** Every field of an object type, nested object types selected in full (no other field below Query takes arguments). */
function selectAll(
  type: GraphQLObjectType,
  indent: string,
  alias: (field: string) => string | undefined = () => undefined,
): string {
  return Object.values(type.getFields())
    .filter((field) => !NOT_IN_THE_SINK.has(field.name))
    .map((field) => {
      const named = getNamedType(field.type);
      const key = alias(field.name);
      const head = `${indent}${key ? `${key}: ` : ''}${field.name}`;
      // Another job (`rerunOf`, `reruns`): a link, its ID; its fields are its own query's.
      if (isAbstractType(named) && named.name === 'Job') return `${head} { id }`;
      if (isAbstractType(named))
        throw new Error(`${type.name}.${field.name}: abstract types are not expected below Job`);
      if (!isObjectType(named)) return head;
      return `${head} {\n${selectAll(named, `${indent}  `)}\n${indent}}`;
    })
    .join('\n');
}

/**
 * Fields that two job types share by name but not by type (`status`, `jobId`, `jobType`): a
 * client selecting both must alias them, as this query does (`cosBatchJobStatus: status`).
 */
function conflictingFields(types: GraphQLObjectType[]): Set<string> {
  const seen = new Map<string, Set<string>>();
  for (const t of types) {
    for (const f of Object.values(t.getFields()))
      seen.set(f.name, (seen.get(f.name) ?? new Set()).add(String(f.type)));
  }
  return new Set([...seen].filter(([, printed]) => printed.size > 1).map(([name]) => name));
}

/**
 * The biggest legitimate query: `jobs(ids: $ids)` (or, for a router, `_entities(representations:
 * $reps)`) selecting every field of every job type, one named fragment per type, generated
 * from the schema so it stays "every field" as the schema grows.
 */
export function kitchenSinkQuery(
  schema: GraphQLSchema,
  root: 'jobs' | '_entities' = 'jobs',
): string {
  const types = JOB_TYPES.map((name) => {
    const type = schema.getType(name);
    if (!isObjectType(type)) throw new Error(`${name} is not an object type`);
    return type;
  });
  const conflicts = conflictingFields(types);
  const fragments = types.map((type) => {
    const prefix = type.name.charAt(0).toLowerCase() + type.name.slice(1);
    const alias = (field: string) =>
      conflicts.has(field)
        ? `${prefix}${field.charAt(0).toUpperCase()}${field.slice(1)}`
        : undefined;
    return `fragment ${type.name}Fields on ${type.name} {\n${selectAll(type, '  ', alias)}\n}`;
  });
  return [
    `${root === 'jobs' ? 'query KitchenSink($ids: [ID!]!) {\n  jobs(ids: $ids) {' : 'query KitchenSinkEntities($reps: [_Any!]!) {\n  _entities(representations: $reps) {'}
    __typename
${JOB_TYPES.map((n) => `    ...${n}Fields`).join('\n')}
  }
}`,
    ...fragments,
  ].join('\n\n');
}
