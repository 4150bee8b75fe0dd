import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import {
  GraphQLError,
  defaultFieldResolver,
  getNamedType,
  isAbstractType,
  isInterfaceType,
  isObjectType,
  isUnionType,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { BadUserInputError } from '../errors.ts';
import { SCOPE_SECRETS, type Identity } from './identity.ts';

/**
 * One authorization rule from the SDL. Several rules on one element are ANDed; inside
 * `anyOf`, the outer list is OR and each inner list AND (Apollo Router's semantics).
 */
export type Rule =
  { kind: 'authenticated' } | { kind: 'scopes'; anyOf: readonly (readonly string[])[] };

export interface AuthContext {
  identity: Identity;
  /**
   * Told of a field refused here, before its resolver (a mutation's refusal is audited:
   * docs/actions.md); absent: refused unrecorded.
   */
  deniedField?(
    what: string,
    code: 'UNAUTHENTICATED' | 'FORBIDDEN',
    args: Record<string, unknown>,
  ): void;
}

/** A field guarded by `jobs:secrets:read`: the central list the enforcement, logs and tests use. */
export interface SensitiveField {
  type: string;
  field: string;
}

/** Everything the SDL directives say, read once from the built schema. */
export interface AuthPolicy {
  typeRules: ReadonlyMap<string, readonly Rule[]>;
  fieldRules: ReadonlyMap<string, readonly Rule[]>;
  sensitiveFields: readonly SensitiveField[];
}

function rulesOf(schema: GraphQLSchema, node: Parameters<typeof getDirective>[1]): Rule[] {
  const rules: Rule[] = [];
  if (getDirective(schema, node, 'authenticated')?.length) rules.push({ kind: 'authenticated' });
  for (const d of getDirective(schema, node, 'requiresScopes') ?? []) {
    rules.push({ kind: 'scopes', anyOf: (d.scopes as string[][]).map((inner) => [...inner]) });
  }
  return rules;
}

function needsSecrets(rules: readonly Rule[]): boolean {
  return rules.some(
    (r) =>
      r.kind === 'scopes' &&
      r.anyOf.length > 0 &&
      r.anyOf.every((all) => all.includes(SCOPE_SECRETS)),
  );
}

/** Read the `@authenticated` / `@requiresScopes` uses on object types and their fields. */
export function readAuthPolicy(schema: GraphQLSchema): AuthPolicy {
  const typeRules = new Map<string, Rule[]>();
  const fieldRules = new Map<string, Rule[]>();
  const sensitiveFields: SensitiveField[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const tr = rulesOf(schema, type);
    if (tr.length) typeRules.set(type.name, tr);
    for (const field of Object.values(type.getFields())) {
      const fr = rulesOf(schema, field);
      if (fr.length) fieldRules.set(`${type.name}.${field.name}`, fr);
      if (needsSecrets(fr)) sensitiveFields.push({ type: type.name, field: field.name });
    }
  }
  return { typeRules, fieldRules, sensitiveFields };
}

/** null when allowed; otherwise the public code: UNAUTHENTICATED without a token, FORBIDDEN with one. */
export function evaluate(
  rules: readonly Rule[],
  identity: Identity,
): null | 'UNAUTHENTICATED' | 'FORBIDDEN' {
  for (const rule of rules) {
    if (rule.kind === 'authenticated') {
      if (!identity.authenticated) return 'UNAUTHENTICATED';
    } else if (!rule.anyOf.some((all) => all.every((s) => identity.scopes.has(s)))) {
      return identity.authenticated ? 'FORBIDDEN' : 'UNAUTHENTICATED';
    }
  }
  return null;
}

/**
 * The same rules with repeats removed, meaning unchanged: identical scopes inside one
 * alternative once; an alternative that contains another (a AND b, OR a) dropped; a rule
 * implied by another (every alternative of the other contains one of its own) dropped; one
 * `@authenticated`. A field's own, parent and returned type's rules often repeat `jobs:read`.
 */
export function simplifyRules(rules: readonly Rule[]): Rule[] {
  const contains = (outer: readonly string[], inner: readonly string[]) =>
    inner.every((s) => outer.includes(s));
  const scopeRules = rules.flatMap((r) => {
    if (r.kind !== 'scopes') return [];
    const alternatives = r.anyOf.map((all) => [...new Set(all)]);
    const kept = alternatives.filter(
      (all, i) =>
        !alternatives.some(
          (other, j) => j !== i && contains(all, other) && (other.length < all.length || j < i),
        ),
    );
    return [{ kind: 'scopes' as const, anyOf: kept }];
  });
  const implies = (a: Extract<Rule, { kind: 'scopes' }>, b: Extract<Rule, { kind: 'scopes' }>) =>
    a.anyOf.every((all) => b.anyOf.some((needed) => contains(all, needed)));
  const keptScopes = scopeRules.filter(
    (rule, i) =>
      !scopeRules.some(
        (other, j) => j !== i && implies(other, rule) && (!implies(rule, other) || j < i),
      ),
  );
  return [
    ...(rules.some((r) => r.kind === 'authenticated') ? [{ kind: 'authenticated' as const }] : []),
    ...keptScopes,
  ];
}

function describeRules(rules: readonly Rule[]): string {
  const scopeRules = simplifyRules(rules).filter(
    (r): r is Extract<Rule, { kind: 'scopes' }> => r.kind === 'scopes',
  );
  if (scopeRules.length === 0) return 'a bearer token';
  const alternatives = scopeRules
    .map((r) => r.anyOf.map((all) => all.join(' and ')).join(', or '))
    .join('; and ');
  return `a bearer token with scope ${alternatives}`;
}

function unauthorizedError(
  code: 'UNAUTHENTICATED' | 'FORBIDDEN',
  what: string,
  rules: readonly Rule[],
): GraphQLError {
  const needs = describeRules(rules);
  const message =
    code === 'UNAUTHENTICATED'
      ? `${what} needs ${needs}; sign in and send it as "Authorization: Bearer <token>".`
      : `${what} needs ${needs}.`;
  return new GraphQLError(message, { extensions: { code } });
}

function rulesForNamedType(
  schema: GraphQLSchema,
  policy: AuthPolicy,
  type: GraphQLNamedType,
): Rule[] {
  if (isObjectType(type)) return [...(policy.typeRules.get(type.name) ?? [])];
  if (isAbstractType(type))
    return schema.getPossibleTypes(type).flatMap((t) => policy.typeRules.get(t.name) ?? []);
  return [];
}

/**
 * Checks the key fields of a representation whose `__typename` already names an entity type
 * of the schema; throws a BAD_USER_INPUT error naming `at` (e.g. `representations[2]`) when
 * they are missing or ill-typed. Never calls upstream.
 */
type RepresentationCheck = (
  typeName: string,
  representation: Readonly<Record<string, unknown>>,
  at: string,
) => void;

export interface AuthDirectivesOptions {
  /** The key check `_entities` runs on each representation before authorization. */
  checkRepresentation?: RepresentationCheck;
}

/**
 * The enforcement transformer: wraps resolvers (never adds or removes fields, so the frozen
 * `_service.sdl` stays truthful). A field is checked against its own rules, its parent type's
 * rules, and the rules of the type it returns (for an interface or union: every possible
 * type's), so a root field such as `job` is refused before any upstream call. `_entities` is
 * checked per representation, so one malformed or unauthorized entity is `null` with its own
 * error and the rest resolve.
 */
export function applyAuthDirectives(
  schema: GraphQLSchema,
  policy: AuthPolicy = readAuthPolicy(schema),
  options: AuthDirectivesOptions = {},
): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName, s) => {
      const original: GraphQLFieldResolver<unknown, AuthContext> =
        fieldConfig.resolve ?? defaultFieldResolver;
      if (typeName === s.getQueryType()?.name && fieldName === '_entities') {
        return {
          ...fieldConfig,
          resolve: entitiesGuard(s, policy, original, options.checkRepresentation),
        };
      }
      const rules = simplifyRules([
        ...(policy.fieldRules.get(`${typeName}.${fieldName}`) ?? []),
        ...(policy.typeRules.get(typeName) ?? []),
        ...rulesForNamedType(s, policy, getNamedType(fieldConfig.type)),
      ]);
      if (rules.length === 0) return fieldConfig;
      const what = `${typeName}.${fieldName}`;
      const resolve: GraphQLFieldResolver<unknown, AuthContext> = (source, args, context, info) => {
        const denied = evaluate(rules, context.identity);
        if (denied) {
          context.deniedField?.(what, denied, args as Record<string, unknown>);
          throw unauthorizedError(denied, what, rules);
        }
        return original(source, args, context, info);
      };
      // A subscription field is refused when it subscribes too, before any read schedule starts.
      const subscribe = fieldConfig.subscribe;
      const guardedSubscribe: GraphQLFieldResolver<unknown, AuthContext> | undefined = subscribe
        ? (source, args, context, info) => {
            const denied = evaluate(rules, context.identity);
            if (denied) throw unauthorizedError(denied, what, rules);
            return subscribe(source, args, context, info);
          }
        : undefined;
      return {
        ...fieldConfig,
        resolve,
        ...(guardedSubscribe ? { subscribe: guardedSubscribe } : {}),
      };
    },
  });
}

/**
 * The entity types `_entities` may name: the members of `_Entity` (object types with a
 * `@key`) and the interfaces with a `@key` (here `Job`). A Set, so no inherited property
 * name (`constructor`, `__proto__`) can pass for one.
 */
function entityTypeNames(schema: GraphQLSchema): Set<string> {
  const names = new Set<string>();
  const union = schema.getType('_Entity');
  if (isUnionType(union)) for (const t of union.getTypes()) names.add(t.name);
  for (const type of Object.values(schema.getTypeMap())) {
    if (isInterfaceType(type) && getDirective(schema, type, 'key')?.length) names.add(type.name);
  }
  return names;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
};

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  return `a ${typeof value}`;
}

/**
 * The entity type a representation names, judged exactly as `@apollo/subgraph` will look it
 * up: the representation must be a plain object whose own `__typename` is a string naming one
 * of `entityTypes`. Anything else (a list, a number, `["Job"]`, an object with `toString`)
 * would be coerced by the library's property lookup, so it is refused here.
 */
function entityTypeOf(rep: unknown, entityTypes: ReadonlySet<string>, at: string): string {
  const expected = `one of ${[...entityTypes].sort().join(', ')}`;
  if (!isPlainObject(rep)) {
    throw new BadUserInputError(
      `Argument "${at}" must be an object with "__typename" and the key fields of ${expected}; got ${describeKind(rep)}.`,
      {
        argument: at,
      },
    );
  }
  const name = Object.hasOwn(rep, '__typename') ? rep.__typename : undefined;
  if (typeof name !== 'string') {
    const got = name === undefined ? 'none' : describeKind(name);
    throw new BadUserInputError(
      `Argument "${at}.__typename" must be a string naming ${expected}; got ${got}.`,
      { argument: `${at}.__typename` },
    );
  }
  if (!entityTypes.has(name)) {
    const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
    throw new BadUserInputError(
      `Argument "${at}.__typename" must name ${expected}; got ${JSON.stringify(shown)}.`,
      { argument: `${at}.__typename` },
    );
  }
  return name;
}

/**
 * `_entities`, per representation and in this order: validate (a plain object, a string
 * `__typename` naming an entity type, well-formed key fields), authorize against that very
 * type (for an interface: every possible type's rules), and only then hand the representation
 * to `@apollo/subgraph`'s resolver, rebuilt with the checked `__typename`. A refused
 * representation is `null` with its own error at `["_entities", i]` and never reaches the
 * library's resolver, so it makes no upstream call.
 */
function entitiesGuard(
  schema: GraphQLSchema,
  policy: AuthPolicy,
  original: GraphQLFieldResolver<unknown, AuthContext>,
  checkRepresentation: RepresentationCheck | undefined,
): GraphQLFieldResolver<unknown, AuthContext> {
  const entityTypes = entityTypeNames(schema);
  const rulesByType = new Map(
    [...entityTypes].map((name) => [
      name,
      simplifyRules(rulesForNamedType(schema, policy, schema.getType(name)!)),
    ]),
  );
  return async (source, args: { representations?: unknown }, context, info) => {
    const representations: unknown[] = Array.isArray(args.representations)
      ? args.representations
      : [];
    const checked = representations.map((rep, i): Record<string, unknown> | Error => {
      const at = `representations[${i}]`;
      try {
        const typeName = entityTypeOf(rep, entityTypes, at);
        const representation = rep as Record<string, unknown>;
        checkRepresentation?.(typeName, representation, at);
        const rules = rulesByType.get(typeName) ?? [];
        const denied = rules.length ? evaluate(rules, context.identity) : null;
        if (denied) return unauthorizedError(denied, `Entity ${typeName}`, rules);
        return { ...representation, __typename: typeName };
      } catch (error) {
        if (error instanceof Error) return error;
        throw error;
      }
    });
    const allowed = checked.filter((c): c is Record<string, unknown> => !(c instanceof Error));
    const resolved = allowed.length
      ? ((await original(
          source,
          { ...args, representations: allowed },
          context,
          info,
        )) as unknown[])
      : [];
    let next = 0;
    return checked.map((c) => (c instanceof Error ? c : resolved[next++]));
  };
}
