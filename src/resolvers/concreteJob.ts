import type { RequestContext } from '../context.ts';
import { BadUserInputError } from '../errors.ts';
import { KEY_PARTS, buildKey, parseGlobalId, type JobKey } from '../globalId.ts';
import type { JobProvider, JobRecord } from '../model.ts';
import { JOB_TYPE_NAME } from './typeNames.ts';

/** A representation `_entities` hands a reference resolver: one of the type's `@key`s. */
export interface JobRepresentation {
  id?: unknown;
  nativeId?: unknown;
  region?: unknown;
  referenceStoreId?: unknown;
  uin?: unknown;
}

const field = (rep: JobRepresentation, name: keyof JobRepresentation, typeName: string, at: string): string => {
  const value = rep[name];
  if (typeof value !== 'string') {
    const or = name === 'id' ? '' : ' (or "id")';
    throw new BadUserInputError(`Argument "${at}.${name}" must be a string: a ${typeName} representation needs "${name}"${or}.`, { argument: `${at}.${name}` });
  }
  return value;
};

/**
 * The loader key for a representation: the global `id` key, or the provider's native key
 * (`region nativeId`, `region referenceStoreId nativeId`, `region uin nativeId`, `nativeId`),
 * each part checked against the provider's documented pattern before any upstream call.
 * `at` names the representation in errors, e.g. `representations[2]`.
 */
export function keyFromRepresentation(provider: JobProvider, rep: JobRepresentation, at = 'representations'): JobKey {
  const typeName = JOB_TYPE_NAME[provider];
  if (rep.id !== undefined) {
    const key = parseGlobalId(field(rep, 'id', typeName, at), `${at}.id`);
    if (key.provider !== provider) {
      throw new BadUserInputError(`Argument "${at}.id" is not a ${typeName} ID: ${JSON.stringify(rep.id)}.`, { argument: `${at}.id` });
    }
    return key;
  }
  // The key's last part is the provider's own job ID, which the schema calls `nativeId`.
  const parts = KEY_PARTS[provider];
  const names = parts.map(([part], i) => (i === parts.length - 1 ? 'nativeId' : part) as keyof JobRepresentation);
  const values = names.map((name) => field(rep, name, typeName, at));
  return buildKey(provider, values, (_part, i) => `${at}.${names[i]}`);
}

/**
 * Resolvers shared by the five concrete job entities: `__resolveReference` turns either key
 * into a loader key and loads through the provider's DataLoader, so many representations in
 * one `_entities` call make one upstream call per distinct job. Fields resolve by default,
 * since records already carry the GraphQL names.
 */
export function concreteJobResolvers(provider: JobProvider) {
  return {
    // async: a bad representation must reject its own promise, not throw out of the whole `_entities` map.
    async __resolveReference(reference: JobRepresentation, context: RequestContext): Promise<JobRecord> {
      return context.loadJob(keyFromRepresentation(provider, reference));
    },
  };
}
