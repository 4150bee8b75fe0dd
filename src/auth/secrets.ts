import {
  GraphQLString,
  getNamedType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLOutputType,
} from 'graphql';
import type { JobProvider, JobRecord } from '../model/job.ts';
import type { SensitiveField } from './directives.ts';

/** Which object types can reach a sensitive field, and whether a field is one. */
function sensitivityOf(sensitiveFields: readonly SensitiveField[]) {
  const sensitive = new Set(sensitiveFields.map((f) => `${f.type}.${f.field}`));
  // Types from which a sensitive field can be reached; others are skipped without a walk.
  const reaches = new Map<string, boolean>();
  const canReach = (type: GraphQLObjectType, seen = new Set<string>()): boolean => {
    const known = reaches.get(type.name);
    if (known !== undefined) return known;
    if (seen.has(type.name)) return false;
    seen.add(type.name);
    const result = Object.values(type.getFields()).some((f) => {
      if (sensitive.has(`${type.name}.${f.name}`)) return true;
      const named = getNamedType(f.type);
      return isObjectType(named) && canReach(named, seen);
    });
    reaches.set(type.name, result);
    return result;
  };
  return {
    isSensitive: (type: GraphQLObjectType, field: string) => sensitive.has(`${type.name}.${field}`),
    canReach,
  };
}

/**
 * Build a predicate telling whether a record holds any value of a sensitive field, walking the
 * record along its GraphQL type (nested objects and lists included). Uses the central list of
 * sensitive fields, so a field newly guarded in the SDL is covered here too.
 */
export function createSecretDetector(
  schema: GraphQLSchema,
  sensitiveFields: readonly SensitiveField[],
  typeNames: Record<JobProvider, string>,
): (record: JobRecord) => boolean {
  const { isSensitive, canReach } = sensitivityOf(sensitiveFields);

  const holds = (value: unknown, type: GraphQLOutputType): boolean => {
    if (value === null || value === undefined) return false;
    if (isNonNullType(type)) return holds(value, type.ofType);
    if (isListType(type)) return Array.isArray(value) && value.some((v) => holds(v, type.ofType));
    if (!isObjectType(type) || !canReach(type) || typeof value !== 'object') return false;
    const obj = value as Record<string, unknown>;
    return Object.values(type.getFields()).some((f) => {
      const v = obj[f.name];
      if (isSensitive(type, f.name))
        return v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0);
      return holds(v, f.type);
    });
  };

  return (record) => {
    const type = schema.getType(typeNames[record.provider]);
    return isObjectType(type) ? holds(record, type) : true;
  };
}

/**
 * Fields that name an entry rather than hold its value: the keys of a map exposed as a list of
 * `KeyValue` (`actionConfiguration`'s `ProjectName`, `Command`) are documented property names,
 * not secrets; registering them would scrub ordinary words from every log line.
 */
const NAME_FIELDS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['KeyValue', new Set(['key'])],
]);

/**
 * Every string inside a value of a sensitive field, at any depth, except entry names. The type
 * is looked at once per list and per object, not per item or key: a record's environment, tags
 * and parameters are many small objects.
 */
function leaves(value: unknown, type: GraphQLOutputType, out: string[]): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) {
    const item = isListType(type) || isNonNullType(type) ? unwrapList(type) : type;
    for (const v of value) leaves(v, item, out);
  } else if (typeof value === 'object') {
    const named = getNamedType(type);
    const objectType = isObjectType(named) ? named : null;
    const fields = objectType ? objectType.getFields() : {};
    const names = objectType ? NAME_FIELDS.get(objectType.name) : undefined;
    for (const [k, v] of Object.entries(value)) {
      if (names?.has(k)) continue;
      leaves(v, fields[k]?.type ?? type, out);
    }
  }
}

function unwrapList(type: GraphQLOutputType): GraphQLOutputType {
  const inner = isNonNullType(type) ? type.ofType : type;
  return isListType(inner) ? inner.ofType : inner;
}

/**
 * Build a function listing every value a record holds under a sensitive field — each string
 * of the field's value, at any depth (CodePipeline `artifactCredentials.secretAccessKey`, the
 * entries of `actionConfiguration`) — walking the record along its GraphQL type like
 * {@link createSecretDetector}. The process registers these values so logs and error messages
 * can be scrubbed by value. A record of an unknown type is searched whole.
 */
export function createSensitiveValueCollector(
  schema: GraphQLSchema,
  sensitiveFields: readonly SensitiveField[],
  typeNames: Record<JobProvider, string>,
): (record: JobRecord) => string[] {
  const { isSensitive, canReach } = sensitivityOf(sensitiveFields);

  // Per object type, once: its fields as a list, each marked sensitive or not (runs per loaded record).
  const fieldLists = new Map<
    GraphQLObjectType,
    { name: string; type: GraphQLOutputType; sensitive: boolean }[]
  >();
  const fieldsOf = (type: GraphQLObjectType) => {
    let fields = fieldLists.get(type);
    if (!fields) {
      fields = Object.values(type.getFields()).map((f) => ({
        name: f.name,
        type: f.type,
        sensitive: isSensitive(type, f.name),
      }));
      fieldLists.set(type, fields);
    }
    return fields;
  };

  const collect = (value: unknown, type: GraphQLOutputType, out: string[]): void => {
    if (value === null || value === undefined) return;
    if (isNonNullType(type)) return collect(value, type.ofType, out);
    if (isListType(type)) {
      if (Array.isArray(value)) for (const v of value) collect(v, type.ofType, out);
      return;
    }
    if (!isObjectType(type) || !canReach(type) || typeof value !== 'object') return;
    const obj = value as Record<string, unknown>;
    for (const f of fieldsOf(type)) {
      const v = obj[f.name];
      if (v === null || v === undefined) continue;
      if (f.sensitive) leaves(v, f.type, out);
      else collect(v, f.type, out);
    }
  };

  return (record) => {
    const out: string[] = [];
    const type = schema.getType(typeNames[record.provider]);
    if (isObjectType(type)) collect(record, type, out);
    else leaves(record, GraphQLString, out);
    return out;
  };
}

/**
 * Build a function returning a copy of a record without its secrets: every sensitive field, at
 * any depth, set to null (the rest shared with the record, which is never changed). Walks the
 * record along its GraphQL type like {@link createSecretDetector}; a record of an unknown type
 * comes back as null, since nothing in it is known to be safe. What replicas share of a watched
 * job through Redis (src/cache/redisPollLeases.ts) is this view, never the record itself.
 */
export function createSecretStripper(
  schema: GraphQLSchema,
  sensitiveFields: readonly SensitiveField[],
  typeNames: Record<JobProvider, string>,
): (record: JobRecord) => JobRecord | null {
  const { isSensitive, canReach } = sensitivityOf(sensitiveFields);

  const strip = (value: unknown, type: GraphQLOutputType): unknown => {
    if (value === null || value === undefined) return value;
    if (isNonNullType(type)) return strip(value, type.ofType);
    if (isListType(type))
      return Array.isArray(value) ? value.map((v) => strip(v, type.ofType)) : value;
    if (!isObjectType(type) || !canReach(type) || typeof value !== 'object') return value;
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const f of Object.values(type.getFields())) {
      if (!(f.name in out)) continue;
      out[f.name] = isSensitive(type, f.name) ? null : strip(out[f.name], f.type);
    }
    return out;
  };

  return (record) => {
    const type = schema.getType(typeNames[record.provider]);
    return isObjectType(type) ? (strip(record, type) as JobRecord) : null;
  };
}
