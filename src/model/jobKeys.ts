import { findKind, KINDS, kindOf } from '../datasources/registry.ts';
import type { AnyKind, KindField, RootFieldConfig } from '../datasources/shared/provider.ts';
import { BadUserInputError, JobgraphError } from '../errors.ts';
import { buildKey, checkArgument, formOf, parseGlobalId, type JobKey } from './globalId.ts';
import type { JobProvider, JobRecord } from './job.ts';

/**
 * Federation entity representations → loader keys, beside globalId.ts (src/model/): the resolvers, the
 * `_entities` auth guard (schema.ts) and the job budget (limits/jobBudget.ts) all check keys
 * here, so none of them imports another's folder.
 */

/** The concrete GraphQL job types, one a kind of job (its key grammar's `typeName`), in the registry's order. */
export const JOB_TYPE_NAMES: readonly string[] = KINDS.map((k) => k.key.typeName);

/** The concrete GraphQL type of a job of `of`'s kind (its key grammar's `typeName`). */
export function typeNameOf(of: { provider: JobProvider; kind?: string | undefined }): string {
  return kindOf(of).key.typeName;
}

/** The job types and a record's, as the secret walks take them (auth/secrets.ts `JobTypes`). */
export const JOB_TYPES = {
  names: JOB_TYPE_NAMES,
  of: (record: JobRecord) => findKind(record)?.key.typeName,
} as const;

const KIND_OF_TYPE: ReadonlyMap<string, AnyKind> = new Map(KINDS.map((k) => [k.key.typeName, k]));

/** The own fields of the kind of job whose concrete GraphQL type is `typeName` (`JobKind.fields`). */
export function kindFieldsOf(typeName: string): Readonly<Record<string, KindField>> {
  return KIND_OF_TYPE.get(typeName)?.fields ?? {};
}

/** The kind of job whose concrete GraphQL type is `typeName`; a TypeError for a type of no kind. */
function kindOfTypeName(typeName: string): AnyKind {
  const kind = KIND_OF_TYPE.get(typeName);
  if (!kind) throw new TypeError(`no job type ${typeName} in the registry`);
  return kind;
}

/** The provider whose kind of job has the concrete GraphQL type `typeName`. */
export function providerOfType(typeName: string): JobProvider {
  return kindOfTypeName(typeName).name;
}

/** A representation `_entities` hands a reference resolver: one of the type's `@key`s. */
export interface JobRepresentation {
  id?: unknown;
  /** The account's ID (`Job.account`: AWS, the 12-digit account ID); null or absent: the default account. */
  account?: unknown;
  nativeId?: unknown;
  region?: unknown;
  referenceStoreId?: unknown;
  uin?: unknown;
}

const field = (
  rep: JobRepresentation,
  name: keyof JobRepresentation,
  typeName: string,
  at: string,
): string => {
  const value = rep[name];
  if (typeof value !== 'string') {
    const or = name === 'id' ? '' : ' (or "id")';
    throw new BadUserInputError(
      `Argument "${at}.${name}" must be a string: a ${typeName} representation needs "${name}"${or}.`,
      { argument: `${at}.${name}` },
    );
  }
  return value;
};

/** An AWS account ID as `Job.account` gives it. */
const AWS_ACCOUNT_ID = /^[0-9]{12}$/;

/**
 * The alias of the account a native key's `account` names (AWS: `Job.account`, the account ID):
 * undefined for the default account (null or absent), else `aliasOf`'s answer (which refuses an
 * ID of no account the caller may read); without `aliasOf` (the budget's count, the guard's
 * check), undefined. Checked before any upstream call.
 */
function accountOfRepresentation(
  rep: JobRepresentation,
  typeName: string,
  at: string,
  aliasOf: ((accountId: string) => string) | undefined,
): string | undefined {
  const value = rep.account;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !AWS_ACCOUNT_ID.test(value))
    throw new BadUserInputError(
      `Argument "${at}.account" must be an AWS account ID of 12 digits, as ${typeName}.account gives it, or null for the default account.`,
      { argument: `${at}.account` },
    );
  return aliasOf?.(value);
}

/**
 * The loader key for a representation: the global `id` key, or the provider's native key
 * (`region nativeId`, `region referenceStoreId nativeId`, `region uin nativeId`, `nativeId`;
 * an AWS type's with `account` too, its account's ID, turned into the account's alias by
 * `aliasOf`), each part checked against the provider's documented pattern before any upstream
 * call. `at` names the representation in errors, e.g. `representations[2]`.
 */
export function keyFromRepresentation(
  typeName: string,
  rep: JobRepresentation,
  at = 'representations',
  aliasOf?: (accountId: string) => string,
): JobKey {
  const kind = kindOfTypeName(typeName);
  if (rep.id !== undefined) {
    const key = parseGlobalId(field(rep, 'id', typeName, at), `${at}.id`);
    if (kindOf(key) !== kind) {
      throw new BadUserInputError(
        `Argument "${at}.id" is not a ${typeName} ID: ${JSON.stringify(rep.id)}.`,
        { argument: `${at}.id` },
      );
    }
    return key;
  }
  // The key's last part is the provider's own job ID, which the schema calls `nativeId`.
  const grammar = kind.key;
  const parts = grammar.parts;
  const names = parts.map(
    ([part], i) => (i === parts.length - 1 ? 'nativeId' : part) as keyof JobRepresentation,
  );
  const values = names.map((name) => field(rep, name, typeName, at));
  // A key that names its account by a part of its own (COS Batch: the UIN) has it among `values`.
  const account =
    grammar.accountPart === undefined
      ? accountOfRepresentation(rep, typeName, at, aliasOf)
      : undefined;
  return buildKey(kind, values, (part, i) => `${at}.${names[i] ?? part}`, account);
}

/**
 * The loader key of an `_entities` representation of `typeName` (a concrete job type, or
 * `Job` with its global `id`), every key field checked before any upstream call. Throws
 * BAD_USER_INPUT naming `at` (e.g. `representations[2]`). The same check runs before
 * authorization (the `_entities` guard) and in the reference resolvers.
 */
export function representationKey(
  typeName: string,
  rep: JobRepresentation,
  at = 'representations',
): JobKey {
  if (KIND_OF_TYPE.has(typeName)) return keyFromRepresentation(typeName, rep, at);
  if (typeName === 'Job') {
    if (typeof rep.id !== 'string') {
      throw new BadUserInputError(
        `Argument "${at}.id" must be a string: a Job representation needs "id".`,
        { argument: `${at}.id` },
      );
    }
    return parseGlobalId(rep.id, `${at}.id`);
  }
  throw new BadUserInputError(`Argument "${at}.__typename" does not name a job entity type.`, {
    argument: `${at}.__typename`,
  });
}

/** The `_entities` key check handed to the auth transformer: runs `representationKey`, keeps nothing. */
export function checkRepresentationKey(
  typeName: string,
  rep: Readonly<Record<string, unknown>>,
  at: string,
): void {
  representationKey(typeName, rep, at);
}

/**
 * Each provider's own root field (`panoramaPackageImportJob`) → the key its arguments name: the
 * resolver loads it, and the job budget counts it before execution, from this one function.
 */
export const ROOT_FIELD_KEYS: ReadonlyMap<
  string,
  (args: Readonly<Record<string, unknown>>, config: RootFieldConfig) => JobKey
> = new Map(KINDS.map((k) => [k.rootField.name, (args, config) => rootFieldKey(k, args, config)]));

/**
 * The key of a provider's root field: each part from the argument of its name, else from the
 * configuration (`rootField.defaults`), each checked against its pattern (BAD_USER_INPUT naming the
 * argument). A part the configuration should give and does not is PROVIDER_NOT_CONFIGURED, once
 * the arguments given are checked.
 */
function rootFieldKey(
  p: AnyKind,
  args: Readonly<Record<string, unknown>>,
  config: RootFieldConfig,
): JobKey {
  const { name: field, defaults = {}, unconfigured } = p.rootField;
  const values = p.key.parts.map(([part]) => {
    const given = args[part];
    if (typeof given === 'string') return given;
    const fromConfig = defaults[part];
    return fromConfig ? (fromConfig(config) ?? undefined) : '';
  });
  if (values.every((v) => v !== undefined)) return buildKey(p, values, (part) => part);
  p.key.parts.forEach(([part, pattern], i) => {
    const value = values[i];
    if (value !== undefined) checkArgument(part, value, pattern);
  });
  throw new JobgraphError(
    'PROVIDER_NOT_CONFIGURED',
    `${field} needs ${unconfigured ?? 'its configuration'}; or ask job(id: "${formOf(p)}").`,
    { provider: p.name },
  );
}
