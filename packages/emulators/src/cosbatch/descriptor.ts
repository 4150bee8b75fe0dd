import { DEMO_SECOND_TENCENT_ACCOUNT } from '../accounts.ts';
import type { EmulatorDescriptor } from '../descriptor.ts';
import { isoOf, listedEntries, madeUpIds } from '../descriptor.ts';
import { DEMO_TENCENT_CREDENTIALS } from '../framework.ts';
import { bigAccountJobs } from '../listing.ts';
import * as data from './data.ts';
import { createCosBatchEmulator } from './emulator.ts';
import { COS_BIG_ACCOUNT, cosListedJobs } from './listData.ts';
import { COS_PROGRESSING_JOB_ID, COS_PROGRESS_PHASES } from './progressing.ts';
import { COS_SECOND_ACCOUNT_JOB_IDS, cosSecondAccountJobs } from './secondAccount.ts';
import type { WireElement } from './xml.ts';

const demo = DEMO_TENCENT_CREDENTIALS;
const second = DEMO_SECOND_TENCENT_ACCOUNT;
// COS names the account in the key: each account's jobs carry its own UIN.
const summaries = (jobs: readonly WireElement[], cos: { region: string; uin: string }) =>
  jobs.map((j) => ({
    globalId: `cos:${cos.region}:${cos.uin}:${j.JobId as string}`,
    createdAt: isoOf(j.CreationTime as string),
    providerStatus: j.Status as string,
  }));

/** Tencent COS Batch's emulator: the demo account's jobs in its region, signed with the Tencent keys. */
export const cosbatchEmulator = {
  name: 'cosbatch',
  label: 'Tencent COS Batch',
  portOffset: 3,
  endpoint: { variable: 'COS_BATCH_ENDPOINT_URL', config: 'cosBatch' },
  data,
  progressingJobId: `cos:${demo.region}:${demo.uin}:${COS_PROGRESSING_JOB_ID}`,
  progressPhases: COS_PROGRESS_PHASES,
  // Demo and error-case IDs are UUIDs.
  madeUpIds: madeUpIds((f) => `made${f}-`),
  create: createCosBatchEmulator,
  list: {
    operations: ['ListJobs'],
    demo: (anchorMs) => summaries(cosListedJobs(anchorMs), demo),
    big: (anchorMs, n) =>
      listedEntries(
        bigAccountJobs(COS_BIG_ACCOUNT, anchorMs, demo.region, n - 1),
        (id) => `cos:${demo.region}:${demo.uin}:${id}`,
      ),
    secondAccount: (anchorMs) => summaries(cosSecondAccountJobs(anchorMs), second),
  },
  secondAccount: {
    shared: { region: second.region, uin: second.uin, jobId: COS_SECOND_ACCOUNT_JOB_IDS.shared },
    example: { region: second.region, uin: second.uin, jobId: COS_SECOND_ACCOUNT_JOB_IDS.active },
  },
} as const satisfies EmulatorDescriptor<
  'cosbatch',
  typeof data,
  { region: string; uin: string; jobId: string }
>;
