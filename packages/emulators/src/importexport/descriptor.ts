import type { EmulatorDescriptor } from '../descriptor.ts';
import { awsEmulator, isoOf, listedEntries, madeUpIds } from '../descriptor.ts';
import * as data from './data.ts';
import { createImportExportEmulator } from './emulator.ts';
import { importExportBigJobs, importExportListedJobs } from './listData.ts';
import { IMPORTEXPORT_PROGRESSING_JOB_ID, IMPORTEXPORT_PROGRESS_PHASES } from './progressing.ts';
import {
  IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS,
  importExportSecondAccountJobs,
} from './secondAccount.ts';

const summaries = (jobs: readonly data.WireGetStatusResult[]) =>
  jobs.map((j) => ({
    globalId: `importexport:${j.JobId}`,
    createdAt: isoOf(j.CreationDate as string),
    providerStatus: j.ProgressCode as string,
  }));

/** AWS Import/Export's emulator: the account's jobs (a global service, no region). */
export const importexportEmulator = {
  ...awsEmulator('importexport', 'AWS Import/Export', 4),
  data,
  progressingJobId: `importexport:${IMPORTEXPORT_PROGRESSING_JOB_ID}`,
  progressPhases: IMPORTEXPORT_PROGRESS_PHASES,
  // Demo IDs are five characters (`CMPL1`, `LJ001`, `K0000`).
  madeUpIds: madeUpIds((f) => `MADE${f}`),
  create: createImportExportEmulator,
  list: {
    operations: ['ListJobs'],
    demo: (anchorMs) => summaries(importExportListedJobs(anchorMs)),
    big: (anchorMs, n) =>
      listedEntries(importExportBigJobs(anchorMs, n - 1), (id) => `importexport:${id}`),
    secondAccount: (anchorMs) => summaries(importExportSecondAccountJobs(anchorMs)),
  },
  secondAccount: {
    shared: { jobId: IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS.shared },
    example: { jobId: IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS.complete },
  },
} as const satisfies EmulatorDescriptor<'importexport', typeof data, { jobId: string }>;
