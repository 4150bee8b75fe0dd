import type { RequestContext } from '../context.ts';
import { BadUserInputError } from '../errors.ts';
import { parseGlobalId } from '../globalId.ts';
import type { JobProvider, JobRecord } from '../model.ts';
import { JOB_TYPE_NAME } from './typeNames.ts';

/**
 * Resolvers shared by the five concrete job entities: `__resolveReference` routes a global ID
 * through the provider's loader and refuses an ID of another provider. Fields resolve by
 * default, since records already carry the GraphQL names.
 */
export function concreteJobResolvers(provider: JobProvider) {
  const typeName = JOB_TYPE_NAME[provider];
  return {
    __resolveReference(reference: { id: string }, context: RequestContext): Promise<JobRecord> {
      const key = parseGlobalId(reference.id, 'representations.id');
      if (key.provider !== provider) {
        throw new BadUserInputError(`Representation id "${reference.id}" is not a ${typeName} ID.`, { argument: 'representations.id' });
      }
      return context.loadJob(key);
    },
  };
}
