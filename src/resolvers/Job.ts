import type { RequestContext } from '../context.ts';
import { parseGlobalId } from '../globalId.ts';
import type { JobRecord } from '../model.ts';
import { JOB_TYPE_NAME } from './typeNames.ts';

/** The `Job` entity interface: type resolution by provider, reference resolution by global ID. */
export const Job = {
  __resolveType(job: JobRecord): string {
    return JOB_TYPE_NAME[job.provider];
  },
  // async: a bad representation must reject its own promise, not throw out of the whole `_entities` map.
  async __resolveReference(reference: { id: string }, context: RequestContext): Promise<JobRecord> {
    return context.loadJob(parseGlobalId(reference.id, 'representations.id'));
  },
};
