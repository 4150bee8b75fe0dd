import { PROVIDERS, providerOf } from '../datasources/registry.ts';
import { BadUserInputError } from '../errors.ts';
import { buildKey, parseGlobalId, type JobKey } from './globalId.ts';
import type { JobProvider } from './job.ts';

/**
 * Federation entity representations → loader keys, beside globalId.ts (src/model/): the resolvers, the
 * `_entities` auth guard (schema.ts) and the job budget (limits/jobBudget.ts) all check keys
 * here, so none of them imports another's folder.
 */

/** The concrete GraphQL type of each provider's jobs (its key grammar's `typeName`). */
export const JOB_TYPE_NAME: Readonly<Record<JobProvider, string>> = Object.fromEntries(
  PROVIDERS.map((p) => [p.name, p.key.typeName]),
) as Record<JobProvider, string>;

/** A representation `_entities` hands a reference resolver: one of the type's `@key`s. */
export interface JobRepresentation {
  id?: unknown;
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

/**
 * The loader key for a representation: the global `id` key, or the provider's native key
 * (`region nativeId`, `region referenceStoreId nativeId`, `region uin nativeId`, `nativeId`),
 * each part checked against the provider's documented pattern before any upstream call.
 * `at` names the representation in errors, e.g. `representations[2]`.
 */
export function keyFromRepresentation(
  provider: JobProvider,
  rep: JobRepresentation,
  at = 'representations',
): JobKey {
  const typeName = JOB_TYPE_NAME[provider];
  if (rep.id !== undefined) {
    const key = parseGlobalId(field(rep, 'id', typeName, at), `${at}.id`);
    if (key.provider !== provider) {
      throw new BadUserInputError(
        `Argument "${at}.id" is not a ${typeName} ID: ${JSON.stringify(rep.id)}.`,
        { argument: `${at}.id` },
      );
    }
    return key;
  }
  // The key's last part is the provider's own job ID, which the schema calls `nativeId`.
  const parts = providerOf(provider).key.parts;
  const names = parts.map(
    ([part], i) => (i === parts.length - 1 ? 'nativeId' : part) as keyof JobRepresentation,
  );
  const values = names.map((name) => field(rep, name, typeName, at));
  return buildKey(provider, values, (_part, i) => `${at}.${names[i]}`);
}

const PROVIDER_OF_TYPE = new Map(
  Object.entries(JOB_TYPE_NAME).map(([provider, typeName]) => [typeName, provider as JobProvider]),
);

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
  const provider = PROVIDER_OF_TYPE.get(typeName);
  if (provider) return keyFromRepresentation(provider, rep, at);
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
