import type { JobLogWhere, ProviderLogs } from '../../shared/provider.ts';
import type { OmicsRunRecord } from './record.ts';

/** The CloudWatch Logs group HealthOmics writes every run's logs to. */
const OMICS_WORKFLOW_LOG_GROUP = '/aws/omics/WorkflowLog';

/**
 * Where a HealthOmics run's lines are (docs/logs.md): its workflow engine's stream
 * (`logLocation.engineLogStream`, `run/{runId}/engine`) in `/aws/omics/WorkflowLog`, in the run's
 * region. A run has one attempt; one not started yet has no stream.
 */
function omicsRunLogPlace(record: OmicsRunRecord, attempt: number | null): JobLogWhere {
  if (attempt !== null && attempt !== 1)
    throw new RangeError(`attempt ${attempt} is not one of this run's 1 attempt(s)`);
  if (record.startTime === null && !record.terminal)
    return { unavailable: 'not started: no log stream yet' };
  return {
    region: record.region,
    group: OMICS_WORKFLOW_LOG_GROUP,
    stream: record.logLocation?.engineLogStream ?? `run/${record.nativeId}/engine`,
    finished: record.terminal,
  };
}

/** HealthOmics runs' logs (`JobKind.logs`). */
export const OMICS_RUN_LOGS: ProviderLogs<OmicsRunRecord> = { place: omicsRunLogPlace };
