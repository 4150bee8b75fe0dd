import { BadUserInputError } from '../errors.ts';
import { parseGlobalId, type JobKey } from '../globalId.ts';
import type { JobProvider } from '../model.ts';
import { keyFromRepresentation, type JobRepresentation } from './concreteJob.ts';
import { JOB_TYPE_NAME } from './typeNames.ts';

const PROVIDER_OF_TYPE = new Map(Object.entries(JOB_TYPE_NAME).map(([provider, typeName]) => [typeName, provider as JobProvider]));

/**
 * The loader key of an `_entities` representation of `typeName` (a concrete job type, or
 * `Job` with its global `id`), every key field checked before any upstream call. Throws
 * BAD_USER_INPUT naming `at` (e.g. `representations[2]`). The same check runs before
 * authorization (the `_entities` guard) and in the reference resolvers.
 */
export function representationKey(typeName: string, rep: JobRepresentation, at = 'representations'): JobKey {
  const provider = PROVIDER_OF_TYPE.get(typeName);
  if (provider) return keyFromRepresentation(provider, rep, at);
  if (typeName === 'Job') {
    if (typeof rep.id !== 'string') {
      throw new BadUserInputError(`Argument "${at}.id" must be a string: a Job representation needs "id".`, { argument: `${at}.id` });
    }
    return parseGlobalId(rep.id, `${at}.id`);
  }
  throw new BadUserInputError(`Argument "${at}.__typename" does not name a job entity type.`, { argument: `${at}.__typename` });
}

/** The `_entities` key check handed to the auth transformer: runs `representationKey`, keeps nothing. */
export function checkRepresentationKey(typeName: string, rep: Readonly<Record<string, unknown>>, at: string): void {
  representationKey(typeName, rep, at);
}
