import { DEMO_SECOND_AWS_ACCOUNT } from '../accounts.ts';
import { isoMillis } from '../progress.ts';
import {
  secondAccountJobs,
  type SecondAccountRow,
  type SecondAccountSlot,
} from '../secondAccount.ts';
import { OMICS_DEMO_REFERENCE_STORE_ID, OMICS_DEMO_REGION, type WireOmicsJob } from './data.ts';
import type { WireReferenceStore } from './listData.ts';

/**
 * The second demo account's (staging's) reference stores and import jobs, in the demo region,
 * created hours to weeks before the emulator started (`anchorMs`), all listed. Its first store
 * has the ID of the default account's main store, and in it one job has the ID of the default
 * account's example job (COMPLETED there, FAILED here), so a client can show that the same
 * native key (store and job ID) in two accounts names two jobs.
 */

const ACCOUNT = DEMO_SECOND_AWS_ACCOUNT.accountId;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/StagingOmicsReferenceImportRole`;

/** The second account's reference store IDs. */
export const OMICS_SECOND_ACCOUNT_STORE_IDS = Object.freeze({
  /** The ID of the default account's main store (another store, in another account). */
  shared: OMICS_DEMO_REFERENCE_STORE_ID,
  staging: '6250942703',
});

/** The second account's job IDs by what they show. */
export const OMICS_SECOND_ACCOUNT_JOB_IDS = Object.freeze({
  /** In the shared store: the default account's example job's ID (COMPLETED there), FAILED here. */
  shared: '8110394857',
  inProgress: '9210394001',
  completed: '9210394002',
  submitted: '9210394003',
});

const storeArn = (id: string) =>
  `arn:aws:omics:${OMICS_DEMO_REGION}:${ACCOUNT}:referenceStore/${id}`;

/** The second account's reference stores, oldest first. */
export const OMICS_SECOND_ACCOUNT_STORES: readonly WireReferenceStore[] = [
  {
    arn: storeArn(OMICS_SECOND_ACCOUNT_STORE_IDS.shared),
    id: OMICS_SECOND_ACCOUNT_STORE_IDS.shared,
    name: 'staging-human-references',
    description: 'Staging copy of the human reference genomes',
    sseConfig: { type: 'KMS' },
    creationTime: '2025-01-14T09:00:00.000Z',
  },
  {
    arn: storeArn(OMICS_SECOND_ACCOUNT_STORE_IDS.staging),
    id: OMICS_SECOND_ACCOUNT_STORE_IDS.staging,
    name: 'staging-scratch-references',
    sseConfig: { type: 'KMS' },
    creationTime: '2025-02-03T11:45:00.000Z',
  },
];

type Status = 'SUBMITTED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED';
type Row = SecondAccountRow<
  keyof typeof OMICS_SECOND_ACCOUNT_JOB_IDS,
  { store: keyof typeof OMICS_SECOND_ACCOUNT_STORE_IDS; status: Status; name: string; file: string }
>;

// prettier-ignore
const ROWS: readonly Row[] = [
  { job: 'submitted', age: '1h', store: 'staging', status: 'SUBMITTED', name: 'staging-GRCz11', file: 'zebrafish/GRCz11.fa' },
  { job: 'inProgress', age: '5h', store: 'shared', status: 'IN_PROGRESS', name: 'staging-T2T-CHM13v2.0', file: 'chm13/chm13v2.0.fa' },
  { job: 'shared', age: '2d', store: 'shared', status: 'FAILED', name: 'staging-GRCh38', file: 'GRCh38/GRCh38_full_analysis_set.fa' },
  { job: 'completed', age: '12d', store: 'staging', status: 'COMPLETED', name: 'staging-GRCm39', file: 'mouse/GRCm39.fa' },
];

/** A job's status message, and its source's status, by the job's status. */
const BY_STATUS: Record<Status, { message?: string; source: string }> = {
  SUBMITTED: { source: 'NOT_STARTED' },
  IN_PROGRESS: { source: 'IN_PROGRESS' },
  COMPLETED: { message: 'The job completed successfully.', source: 'FINISHED' },
  FAILED: { message: 'staging: the source file could not be read.', source: 'FAILED' },
};

/** One row on the wire. */
function template(row: Row, { jobId, createdMs }: SecondAccountSlot): WireOmicsJob {
  const { status, name } = row;
  const { message, source } = BY_STATUS[status];
  const finished = status === 'COMPLETED' || status === 'FAILED';
  return {
    id: jobId,
    referenceStoreId: OMICS_SECOND_ACCOUNT_STORE_IDS[row.store],
    roleArn: ROLE,
    status,
    ...(message ? { statusMessage: message } : {}),
    creationTime: isoMillis(createdMs),
    ...(finished ? { completionTime: isoMillis(createdMs + 14 * 60_000 + 327) } : {}),
    sources: [
      {
        sourceFile: `s3://genomics-reference-staging-${ACCOUNT}/${row.file}`,
        status: source,
        ...(status === 'FAILED' ? { statusMessage: 'Access Denied' } : {}),
        name,
        description: `staging: ${name}`,
        tags: { environment: 'staging' },
      },
    ],
  };
}

/** The second account's jobs (region OMICS_DEMO_REGION), newest first, for an emulator started at `anchorMs`. */
export function omicsSecondAccountJobs(anchorMs: number): WireOmicsJob[] {
  return secondAccountJobs({ ids: OMICS_SECOND_ACCOUNT_JOB_IDS, rows: ROWS }, anchorMs, template);
}
