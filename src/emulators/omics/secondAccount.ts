import { DEMO_SECOND_AWS_ACCOUNT } from '../accounts.ts';
import { isoMillis } from '../progress.ts';
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
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

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

/** The second account's reference stores, oldest first. */
export const OMICS_SECOND_ACCOUNT_STORES: readonly WireReferenceStore[] = [
  {
    arn: `arn:aws:omics:${OMICS_DEMO_REGION}:${ACCOUNT}:referenceStore/${OMICS_SECOND_ACCOUNT_STORE_IDS.shared}`,
    id: OMICS_SECOND_ACCOUNT_STORE_IDS.shared,
    name: 'staging-human-references',
    description: 'Staging copy of the human reference genomes',
    sseConfig: { type: 'KMS' },
    creationTime: '2025-01-14T09:00:00.000Z',
  },
  {
    arn: `arn:aws:omics:${OMICS_DEMO_REGION}:${ACCOUNT}:referenceStore/${OMICS_SECOND_ACCOUNT_STORE_IDS.staging}`,
    id: OMICS_SECOND_ACCOUNT_STORE_IDS.staging,
    name: 'staging-scratch-references',
    sseConfig: { type: 'KMS' },
    creationTime: '2025-02-03T11:45:00.000Z',
  },
];

function stagingJob(
  anchorMs: number,
  referenceStoreId: string,
  id: string,
  ageMs: number,
  status: 'SUBMITTED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED',
  source: { name: string; file: string },
): WireOmicsJob {
  const created = anchorMs - ageMs;
  const finished = status === 'COMPLETED' || status === 'FAILED';
  return {
    id,
    referenceStoreId,
    roleArn: ROLE,
    status,
    ...(status === 'FAILED'
      ? { statusMessage: 'staging: the source file could not be read.' }
      : status === 'COMPLETED'
        ? { statusMessage: 'The job completed successfully.' }
        : {}),
    creationTime: isoMillis(created),
    ...(finished ? { completionTime: isoMillis(created + 14 * 60_000 + 327) } : {}),
    sources: [
      {
        sourceFile: `s3://genomics-reference-staging-${ACCOUNT}/${source.file}`,
        status:
          status === 'COMPLETED'
            ? 'FINISHED'
            : status === 'FAILED'
              ? 'FAILED'
              : status === 'IN_PROGRESS'
                ? 'IN_PROGRESS'
                : 'NOT_STARTED',
        ...(status === 'FAILED' ? { statusMessage: 'Access Denied' } : {}),
        name: source.name,
        description: `staging: ${source.name}`,
        tags: { environment: 'staging' },
      },
    ],
  };
}

/** The second account's jobs (region OMICS_DEMO_REGION), newest first, for an emulator started at `anchorMs`. */
export function omicsSecondAccountJobs(anchorMs: number): WireOmicsJob[] {
  const { shared, staging } = OMICS_SECOND_ACCOUNT_STORE_IDS;
  const J = OMICS_SECOND_ACCOUNT_JOB_IDS;
  return [
    stagingJob(anchorMs, staging, J.submitted, 1 * HOUR, 'SUBMITTED', {
      name: 'staging-GRCz11',
      file: 'zebrafish/GRCz11.fa',
    }),
    stagingJob(anchorMs, shared, J.inProgress, 5 * HOUR, 'IN_PROGRESS', {
      name: 'staging-T2T-CHM13v2.0',
      file: 'chm13/chm13v2.0.fa',
    }),
    stagingJob(anchorMs, shared, J.shared, 2 * DAY, 'FAILED', {
      name: 'staging-GRCh38',
      file: 'GRCh38/GRCh38_full_analysis_set.fa',
    }),
    stagingJob(anchorMs, staging, J.completed, 12 * DAY, 'COMPLETED', {
      name: 'staging-GRCm39',
      file: 'mouse/GRCm39.fa',
    }),
  ];
}
