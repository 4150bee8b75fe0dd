import { MapperKind, getDirective, mapSchema } from '@graphql-tools/utils';
import {
  GraphQLError,
  defaultFieldResolver,
  getNamedType,
  isAbstractType,
  isObjectType,
  type GraphQLFieldResolver,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { SCOPE_SECRETS, type Identity } from './identity.ts';

/**
 * One authorization rule from the SDL. Several rules on one element are ANDed; inside
 * `anyOf`, the outer list is OR and each inner list AND (Apollo Router's semantics).
 */
export type Rule = { kind: 'authenticated' } | { kind: 'scopes'; anyOf: readonly (readonly string[])[] };

export interface AuthContext {
  identity: Identity;
  /** Called when a sensitive field resolved a value, so the response is sent `no-store`. */
  noteSecretServed(): void;
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
  return rules.some((r) => r.kind === 'scopes' && r.anyOf.length > 0 && r.anyOf.every((all) => all.includes(SCOPE_SECRETS)));
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
export function evaluate(rules: readonly Rule[], identity: Identity): null | 'UNAUTHENTICATED' | 'FORBIDDEN' {
  for (const rule of rules) {
    if (rule.kind === 'authenticated') {
      if (!identity.authenticated) return 'UNAUTHENTICATED';
    } else if (!rule.anyOf.some((all) => all.every((s) => identity.scopes.has(s)))) {
      return identity.authenticated ? 'FORBIDDEN' : 'UNAUTHENTICATED';
    }
  }
  return null;
}

function describeRules(rules: readonly Rule[]): string {
  const scopeRules = rules.filter((r): r is Extract<Rule, { kind: 'scopes' }> => r.kind === 'scopes');
  if (scopeRules.length === 0) return 'a bearer token';
  const alternatives = scopeRules.map((r) => r.anyOf.map((all) => all.join(' and ')).join(', or ')).join('; and ');
  return `a bearer token with scope ${alternatives}`;
}

export function unauthorizedError(code: 'UNAUTHENTICATED' | 'FORBIDDEN', what: string, rules: readonly Rule[]): GraphQLError {
  const needs = describeRules(rules);
  const message =
    code === 'UNAUTHENTICATED' ? `${what} needs ${needs}; sign in and send it as "Authorization: Bearer <token>".` : `${what} needs ${needs}.`;
  return new GraphQLError(message, { extensions: { code } });
}

function rulesForNamedType(schema: GraphQLSchema, policy: AuthPolicy, type: GraphQLNamedType): Rule[] {
  if (isObjectType(type)) return [...(policy.typeRules.get(type.name) ?? [])];
  if (isAbstractType(type)) return schema.getPossibleTypes(type).flatMap((t) => policy.typeRules.get(t.name) ?? []);
  return [];
}

/**
 * The enforcement transformer: wraps resolvers (never adds or removes fields, so the frozen
 * `_service.sdl` stays truthful). A field is checked against its own rules, its parent type's
 * rules, and the rules of the type it returns (for an interface or union: every possible
 * type's), so a root field such as `job` is refused before any upstream call. `_entities` is
 * checked per representation by `__typename`, so one unauthorized entity is `null` with its
 * own error and the rest resolve.
 */
export function applyAuthDirectives(schema: GraphQLSchema, policy: AuthPolicy = readAuthPolicy(schema)): GraphQLSchema {
  const sensitive = new Set(policy.sensitiveFields.map((f) => `${f.type}.${f.field}`));
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (fieldConfig, fieldName, typeName, s) => {
      const original: GraphQLFieldResolver<unknown, AuthContext> = fieldConfig.resolve ?? defaultFieldResolver;
      if (typeName === s.getQueryType()?.name && fieldName === '_entities') {
        return { ...fieldConfig, resolve: entitiesGuard(s, policy, original) };
      }
      const rules = [
        ...(policy.fieldRules.get(`${typeName}.${fieldName}`) ?? []),
        ...(policy.typeRules.get(typeName) ?? []),
        ...rulesForNamedType(s, policy, getNamedType(fieldConfig.type)),
      ];
      if (rules.length === 0) return fieldConfig;
      const isSensitive = sensitive.has(`${typeName}.${fieldName}`);
      const what = `${typeName}.${fieldName}`;
      const resolve: GraphQLFieldResolver<unknown, AuthContext> = (source, args, context, info) => {
        const denied = evaluate(rules, context.identity);
        if (denied) throw unauthorizedError(denied, what, rules);
        const value = original(source, args, context, info);
        if (isSensitive) {
          return Promise.resolve(value).then((v) => {
            if (v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0)) context.noteSecretServed();
            return v;
          });
        }
        return value;
      };
      return { ...fieldConfig, resolve };
    },
  });
}

function entitiesGuard(
  schema: GraphQLSchema,
  policy: AuthPolicy,
  original: GraphQLFieldResolver<unknown, AuthContext>,
): GraphQLFieldResolver<unknown, AuthContext> {
  return async (source, args: { representations?: { __typename?: string }[] }, context, info) => {
    const representations = args.representations ?? [];
    const denials = representations.map((rep) => {
      const type = rep && typeof rep.__typename === 'string' ? schema.getType(rep.__typename) : undefined;
      if (!type) return null;
      const rules = rulesForNamedType(schema, policy, type);
      const denied = rules.length ? evaluate(rules, context.identity) : null;
      return denied ? unauthorizedError(denied, `Entity ${type.name}`, rules) : null;
    });
    if (denials.every((d) => d === null)) return original(source, args, context, info);
    const allowed = representations.filter((_, i) => denials[i] === null);
    const resolved = allowed.length ? ((await original(source, { ...args, representations: allowed }, context, info)) as unknown[]) : [];
    let next = 0;
    return denials.map((d) => d ?? resolved[next++]);
  };
}
