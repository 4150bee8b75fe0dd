import { failureOf } from '../datasources/registry.ts';
import type { JobFailure } from '../model/failure.ts';
import { JOB_PROVIDERS, type JobProvider, type JobRecord } from '../model/job.ts';

/**
 * `data.failure` of a notification's body: why the job failed or was cancelled (`Job.failure`, its
 * provider's rules read from the record the body carries, secret fields already out); none for a
 * job in another state or a record of no known provider.
 */
export function failureField(record: Record<string, unknown>): { failure?: JobFailure } {
  if (!JOB_PROVIDERS.includes(record.provider as JobProvider)) return {};
  const failure = failureOf(record as unknown as JobRecord);
  return failure ? { failure } : {};
}
