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
import type { JobRecord } from '../model/job.ts';
import type { SensitiveField } from './directives.ts';

/**
 * One object type's fields a walk has to look at: those that are sensitive, and those whose
 * object type (through lists) can reach a sensitive field. Worked out once per schema, so the
 * walks that run for every loaded record read a list instead of asking graphql-js about types
 * (its type predicates are `instanceof` checks with a slower failing path outside production).
 */
interface Plan {
  readonly fields: readonly PlanField[];
}
interface PlanField {
  readonly name: string;
  readonly type: GraphQLOutputType;
  /** Set for a sensitive field: its whole value is secret. */
  readonly sensitive: boolean;
  /** Set for a field that is not sensitive itself but leads to one. */
  readonly plan: Plan | undefined;
}

/**
 * The concrete job types and the type of a record (model/jobKeys.ts `JOB_TYPES`): a record is
 * walked along its own type's plan.
 */
export interface JobTypes {
  readonly names: readonly string[];
  /** Undefined for a record of no known type (a forged one): it is held to hold secrets. */
  of(record: JobRecord): string | undefined;
}

/** The walk plan of every job type, from the central list of sensitive fields. */
function plansOf(
  schema: GraphQLSchema,
  sensitiveFields: readonly SensitiveField[],
  types: JobTypes,
): Map<string, Plan> {
  const sensitive = new Set(sensitiveFields.map((f) => `${f.type}.${f.field}`));
  const plans = new Map<GraphQLObjectType, Plan>();
  // A type's plan is registered before its fields are planned, so a type that leads back to
  // itself ends the recursion; it is kept only if one of its fields is sensitive or leads to one.
  const planOf = (type: GraphQLObjectType): Plan | undefined => {
    const known = plans.get(type);
    if (known) return known;
    const fields: PlanField[] = [];
    const plan: Plan = { fields };
    plans.set(type, plan);
    for (const f of Object.values(type.getFields())) {
      if (sensitive.has(`${type.name}.${f.name}`)) {
        fields.push({ name: f.name, type: f.type, sensitive: true, plan: undefined });
        continue;
      }
      const named = getNamedType(f.type);
      const inner = isObjectType(named) ? planOf(named) : undefined;
      if (inner) fields.push({ name: f.name, type: f.type, sensitive: false, plan: inner });
    }
    if (fields.length > 0) return plan;
    plans.delete(type);
    return undefined;
  };
  const byType = new Map<string, Plan>();
  for (const name of types.names) {
    const type = schema.getType(name);
    if (isObjectType(type)) byType.set(name, planOf(type) ?? { fields: [] });
  }
  return byType;
}

/**
 * Build a predicate telling whether a record holds any value of a sensitive field, walking the
 * record along its type's plan (nested objects and lists included). Uses the central list of
 * sensitive fields, so a field newly guarded in the SDL is covered here too.
 */
export function createSecretDetector(
  schema: GraphQLSchema,
  sensitiveFields: readonly SensitiveField[],
  types: JobTypes,
): (record: JobRecord) => boolean {
  const plans = plansOf(schema, sensitiveFields, types);
  const holds = (value: unknown, plan: Plan): boolean => {
    if (Array.isArray(value)) return value.some((v) => holds(v, plan));
    if (value === null || typeof value !== 'object') return false;
    const obj = value as Record<string, unknown>;
    for (const f of plan.fields) {
      const v = obj[f.name];
      if (v === null || v === undefined) continue;
      if (f.sensitive ? !(Array.isArray(v) && v.length === 0) : holds(v, f.plan as Plan))
        return true;
    }
    return false;
  };
  return (record) => {
    const type = types.of(record);
    const plan = type === undefined ? undefined : plans.get(type);
    return plan ? holds(record, plan) : true;
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
 * entries of `actionConfiguration`) — walking the record along its type's plan like
 * {@link createSecretDetector}. The process registers these values so logs and error messages
 * can be scrubbed by value. A record of an unknown type is searched whole.
 */
export function createSensitiveValueCollector(
  schema: GraphQLSchema,
  sensitiveFields: readonly SensitiveField[],
  types: JobTypes,
): (record: JobRecord) => string[] {
  const plans = plansOf(schema, sensitiveFields, types);
  const collect = (value: unknown, plan: Plan, out: string[]): void => {
    if (Array.isArray(value)) {
      for (const v of value) collect(v, plan, out);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const obj = value as Record<string, unknown>;
    for (const f of plan.fields) {
      const v = obj[f.name];
      if (v === null || v === undefined) continue;
      if (f.sensitive) leaves(v, f.type, out);
      else collect(v, f.plan as Plan, out);
    }
  };
  return (record) => {
    const out: string[] = [];
    const type = types.of(record);
    const plan = type === undefined ? undefined : plans.get(type);
    if (plan) collect(record, plan, out);
    else leaves(record, GraphQLString, out);
    return out;
  };
}

/**
 * Build a function returning a record without its secrets: every sensitive field, at any depth,
 * set to null. Copy on write: an object or list is copied only where a sensitive value is taken
 * out below it, the rest shared with the record (which is never changed), so a record holding no
 * sensitive value — every record of a type without sensitive fields, a finished COS Batch job
 * kept by `retainFinished` — comes back as itself, not copied. Walks the record along its type's
 * plan like {@link createSecretDetector}; a record of an unknown type comes back as null, since
 * nothing in it is known to be safe. What replicas share of a watched job through Redis
 * (src/cache/redisPollLeases.ts) is this view, never a record holding a secret.
 */
export function createSecretStripper(
  schema: GraphQLSchema,
  sensitiveFields: readonly SensitiveField[],
  types: JobTypes,
): (record: JobRecord) => JobRecord | null {
  const plans = plansOf(schema, sensitiveFields, types);
  const strip = (value: unknown, plan: Plan): unknown => {
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = strip(value[i], plan);
        if (item !== value[i]) (out ??= [...(value as unknown[])])[i] = item;
      }
      return out ?? value;
    }
    if (value === null || typeof value !== 'object') return value;
    const obj = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (const f of plan.fields) {
      if (!(f.name in obj)) continue;
      const v = obj[f.name];
      const next = f.sensitive ? null : strip(v, f.plan as Plan);
      if (next !== v) (out ??= { ...obj })[f.name] = next;
    }
    return out ?? value;
  };
  return (record) => {
    const type = types.of(record);
    const plan = type === undefined ? undefined : plans.get(type);
    return plan ? (strip(record, plan) as JobRecord) : null;
  };
}
