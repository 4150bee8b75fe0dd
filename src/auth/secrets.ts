import { getNamedType, isListType, isNonNullType, isObjectType, type GraphQLObjectType, type GraphQLSchema, type GraphQLOutputType } from 'graphql';
import type { JobProvider, JobRecord } from '../model.ts';
import type { SensitiveField } from './directives.ts';

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

  const holds = (value: unknown, type: GraphQLOutputType): boolean => {
    if (value === null || value === undefined) return false;
    if (isNonNullType(type)) return holds(value, type.ofType);
    if (isListType(type)) return Array.isArray(value) && value.some((v) => holds(v, type.ofType));
    if (!isObjectType(type) || !canReach(type) || typeof value !== 'object') return false;
    const obj = value as Record<string, unknown>;
    return Object.values(type.getFields()).some((f) => {
      const v = obj[f.name];
      if (sensitive.has(`${type.name}.${f.name}`)) return v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0);
      return holds(v, f.type);
    });
  };

  return (record) => {
    const type = schema.getType(typeNames[record.provider]);
    return isObjectType(type) ? holds(record, type) : true;
  };
}
