// What the job-action test files share: the demo jobs' global IDs, the write calls the emulators
// logged, the action mutations, and the audit lines and metric an action leaves.
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_DATA, type EmulatorName } from '@jobgraph/emulators';
import type { TestGateway } from './gateway.ts';
import { metricValue } from './metrics.ts';

/** The global ID of the demo job `native` of `emulator` (its example job's ID with the native part replaced). */
export const idOf = (emulator: EmulatorName, native: string) => {
  const example = DEMO_DATA[emulator].EXAMPLE_GLOBAL_ID;
  return example.slice(0, example.lastIndexOf(':') + 1) + native;
};
export const batchId = (name: keyof typeof BATCH_JOB_IDS) => idOf('batch', BATCH_JOB_IDS[name]);

/** The calls that act, as each emulator logged them: Batch CancelJob/TerminateJob, COS UpdateJobStatus, Import/Export CancelJob. */
export const WRITE_OPERATION = /^(CancelJob|TerminateJob|UpdateJobStatus)\b/;
export function writeCalls(gw: TestGateway): string[] {
  return (['batch', 'cosbatch', 'importexport'] as const).flatMap((name) =>
    gw.emulators[name].calls
      .filter((c) => WRITE_OPERATION.test(c.operation))
      .map((c) => `${name} ${c.operation}`),
  );
}

export const RESULT = `id action outcome message providerCode job { id state providerStatus statusMessage }`;
export const CANCEL = `mutation ($id: ID!, $reason: String!) { cancelJob(id: $id, reason: $reason) { ${RESULT} } }`;
export const TERMINATE = `mutation ($id: ID!, $reason: String!) { terminateJob(id: $id, reason: $reason) { ${RESULT} } }`;
export const CANCEL_MANY = `mutation ($ids: [ID!]!, $reason: String!, $dryRun: Boolean) {
  cancelJobs(ids: $ids, reason: $reason, dryRun: $dryRun) { ${RESULT} }
}`;

/** The audit lines the gateway logged for `job`. */
export const auditLines = (gw: TestGateway, job: string) =>
  gw.logs.lines
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((l) => l.audit === 'job-action' && l.job === job);

export const actionsCounted = (gw: TestGateway, labels: string) =>
  metricValue(gw, `jobgraph_job_actions_total{${labels}}`);
