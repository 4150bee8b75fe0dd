import type { RequestContext } from '../context.ts';
import type { JobRecord } from '../model/job.ts';
import { representationKey, typeNameOf } from '../model/jobKeys.ts';

/** The `Job` entity interface: type resolution by provider, reference resolution by global ID. */
export const Job = {
  __resolveType(job: JobRecord): string {
    return typeNameOf(job);
  },
  // async: a bad representation must reject its own promise, not throw out of the whole `_entities` map.
  async __resolveReference(
    reference: { id?: unknown },
    context: RequestContext,
  ): Promise<JobRecord> {
    return context.loadJob(representationKey('Job', reference), '_entities');
  },
};
