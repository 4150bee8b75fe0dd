import { demoIsoMover } from '../demoDates.ts';

/**
 * Seeded HealthOmics reference import jobs, as the service would send them on the wire
 * (ISO-8601 timestamp strings). Every job status, every source status and every optional
 * field appears on at least one job; `MINIMAL` carries the required fields only.
 */

/** The demo region for the AWS providers. */
export const OMICS_DEMO_REGION = 'us-east-1';
/** The main demo reference store. */
export const OMICS_DEMO_REFERENCE_STORE_ID = '5038720581';
/** A second store holding one job with a 36-digit ID (the documented maximum length). */
export const OMICS_DEMO_SECOND_STORE_ID = '7321480963';

/** A source item on the wire (`ImportReferenceSourceItem`). */
export interface WireOmicsSource {
  sourceFile?: string;
  status: string;
  statusMessage?: string;
  name?: string;
  description?: string;
  tags?: Record<string, string>;
  referenceId?: string;
}

/** A GetReferenceImportJob response body on the wire. */
export interface WireOmicsJob {
  id: string;
  referenceStoreId: string;
  roleArn: string;
  status: string;
  statusMessage?: string;
  creationTime: string;
  completionTime?: string;
  sources: WireOmicsSource[];
}

const ROLE = 'arn:aws:iam::123456789012:role/OmicsReferenceImportRole';
const S = OMICS_DEMO_REFERENCE_STORE_ID;

/** Job IDs by what they demonstrate. */
export const OMICS_DEMO_JOB_IDS = {
  completed: '8110394857',
  submitted: '8110394858',
  inProgress: '8110394859',
  cancelling: '8110394860',
  cancelled: '8110394861',
  failed: '8110394862',
  completedWithFailures: '8110394863',
  minimal: '8110394864',
  longId: '120000000000000000000000000000000042',
} as const;

/** IDs (in the main store) that always answer the same error. */
export const OMICS_ERROR_CASE_IDS = {
  /** 404 ResourceNotFoundException */
  notFound: '4040000000',
  /** 429 ThrottlingException */
  throttled: '4290000000',
  /** 500 InternalServerException */
  serverError: '5000000000',
  /** 403 AccessDeniedException (the job's store denies jobgraph's role) */
  accessDenied: '4030000000',
  /** 408 RequestTimeoutException */
  requestTimeout: '4080000000',
} as const;

const J = OMICS_DEMO_JOB_IDS;

/**
 * Every demo job, in the demo region, dated as of OMICS_DEMO_JOBS_REFERENCE_MS; the emulator
 * serves `omicsDemoJobsAt(anchorMs)`, the same jobs moved to its start.
 */
export const OMICS_DEMO_JOBS: readonly WireOmicsJob[] = [
  {
    id: J.completed,
    referenceStoreId: S,
    roleArn: ROLE,
    status: 'COMPLETED',
    statusMessage: 'The job completed successfully.',
    creationTime: '2024-07-01T09:26:43.456Z',
    completionTime: '2024-07-01T09:41:12.003Z',
    sources: [
      {
        sourceFile: 's3://genomics-reference-demo/GRCh38/GRCh38_full_analysis_set.fa',
        status: 'FINISHED',
        name: 'GRCh38',
        description: 'Human reference genome GRCh38 (full analysis set)',
        tags: { project: 'population-study', assembly: 'GRCh38', reviewed: '' },
        referenceId: '3417622790',
      },
      {
        sourceFile: 's3://genomics-reference-demo/GRCh37/hs37d5.fa.gz',
        status: 'FINISHED',
        name: 'hs37d5',
        description: 'Human reference genome GRCh37 with decoys',
        tags: { assembly: 'GRCh37' },
        referenceId: '3417622791',
      },
    ],
  },
  {
    id: J.submitted,
    referenceStoreId: S,
    roleArn: ROLE,
    status: 'SUBMITTED',
    creationTime: '2024-07-02T14:00:05.120Z',
    sources: [
      {
        sourceFile: 's3://genomics-reference-demo/mouse/GRCm39.fa',
        status: 'NOT_STARTED',
        name: 'GRCm39',
        description: 'Mouse reference genome GRCm39',
      },
    ],
  },
  {
    id: J.inProgress,
    referenceStoreId: S,
    roleArn: ROLE,
    status: 'IN_PROGRESS',
    creationTime: '2024-07-02T15:30:00.000Z',
    sources: [
      {
        sourceFile: 's3://genomics-reference-demo/yeast/R64-1-1.fa',
        status: 'FINISHED',
        name: 'R64-1-1',
        referenceId: '3417622795',
      },
      {
        sourceFile: 's3://genomics-reference-demo/fly/BDGP6.46.fa',
        status: 'IN_PROGRESS',
        name: 'BDGP6.46',
      },
      {
        sourceFile: 's3://genomics-reference-demo/worm/WBcel235.fa',
        status: 'NOT_STARTED',
        name: 'WBcel235',
      },
    ],
  },
  {
    id: J.cancelling,
    referenceStoreId: S,
    roleArn: ROLE,
    status: 'CANCELLING',
    statusMessage: 'Cancellation requested by user.',
    creationTime: '2024-07-03T08:12:44.900Z',
    sources: [
      {
        sourceFile: 's3://genomics-reference-demo/zebrafish/GRCz11.fa',
        status: 'IN_PROGRESS',
        name: 'GRCz11',
      },
    ],
  },
  {
    id: J.cancelled,
    referenceStoreId: S,
    roleArn: ROLE,
    status: 'CANCELLED',
    statusMessage: 'Cancelled by user.',
    creationTime: '2024-07-03T08:15:00.000Z',
    completionTime: '2024-07-03T08:19:31.250Z',
    sources: [
      {
        sourceFile: 's3://genomics-reference-demo/rat/mRatBN7.2.fa',
        status: 'NOT_STARTED',
        name: 'mRatBN7.2',
      },
    ],
  },
  {
    id: J.failed,
    referenceStoreId: S,
    roleArn: ROLE,
    status: 'FAILED',
    statusMessage: 'All sources failed to import.',
    creationTime: '2024-07-04T11:00:00.000Z',
    completionTime: '2024-07-04T11:02:10.000Z',
    sources: [
      {
        sourceFile: 's3://genomics-reference-demo/broken/not-a-fasta.txt',
        status: 'FAILED',
        statusMessage: 'The source file is not a valid FASTA file.',
        name: 'broken-reference',
      },
    ],
  },
  {
    id: J.completedWithFailures,
    referenceStoreId: S,
    roleArn: ROLE,
    status: 'COMPLETED_WITH_FAILURES',
    statusMessage: '1 of 2 sources failed to import.',
    creationTime: '2024-07-05T16:45:10.333Z',
    completionTime: '2024-07-05T17:03:59.871Z',
    sources: [
      {
        sourceFile: 's3://genomics-reference-demo/chm13/chm13v2.0.fa',
        status: 'FINISHED',
        name: 'T2T-CHM13v2.0',
        description: 'Telomere-to-telomere CHM13 assembly',
        tags: { assembly: 'T2T-CHM13' },
        referenceId: '3417622799',
      },
      {
        sourceFile: 's3://genomics-reference-demo/missing/GRCh38-alt.fa',
        status: 'FAILED',
        statusMessage: 'Access denied to the source file.',
        name: 'GRCh38-alt',
      },
    ],
  },
  {
    id: J.minimal,
    referenceStoreId: S,
    roleArn: ROLE,
    status: 'IN_PROGRESS',
    creationTime: '2024-07-06T00:00:00.000Z',
    sources: [{ status: 'IN_PROGRESS' }],
  },
  {
    id: J.longId,
    referenceStoreId: OMICS_DEMO_SECOND_STORE_ID,
    roleArn: 'arn:aws:iam::123456789012:role/service-role/OmicsReferenceImport-Plants',
    status: 'COMPLETED',
    creationTime: '2024-06-28T22:10:00.000Z',
    completionTime: '2024-06-28T22:31:45.500Z',
    sources: [
      {
        sourceFile: 's3://genomics-reference-demo/plants/TAIR10.fa',
        status: 'FINISHED',
        name: 'TAIR10',
        description: 'Arabidopsis thaliana TAIR10',
        tags: {},
        referenceId: '987654321098765432109876543210987654',
      },
    ],
  },
];

/** The instant OMICS_DEMO_JOBS are dated against: a day after the newest (the minimal job). */
export const OMICS_DEMO_JOBS_REFERENCE_MS = Date.parse('2024-07-07T00:00:00.000Z');

/**
 * A demo job as an emulator started at `anchorMs` answers it: each time as long before that
 * start as it lies before OMICS_DEMO_JOBS_REFERENCE_MS. A copy made at each answer, so a test
 * that moves an OMICS_DEMO_JOBS entry by hand is answered its move.
 */
export function omicsDemoJobAt(job: WireOmicsJob, anchorMs: number): WireOmicsJob {
  const move = demoIsoMover(OMICS_DEMO_JOBS_REFERENCE_MS, anchorMs);
  return {
    ...job,
    creationTime: move(job.creationTime),
    ...(job.completionTime === undefined ? {} : { completionTime: move(job.completionTime) }),
  };
}

/** OMICS_DEMO_JOBS as an emulator started at `anchorMs` answers them (`omicsDemoJobAt`). */
export function omicsDemoJobsAt(anchorMs: number): WireOmicsJob[] {
  return OMICS_DEMO_JOBS.map((j) => omicsDemoJobAt(j, anchorMs));
}

const globalId = (referenceStoreId: string, id: string) =>
  `omics:${OMICS_DEMO_REGION}:${referenceStoreId}:${id}`;

/** A nice completed job: two finished sources with names, descriptions, tags and reference IDs. */
export const EXAMPLE_GLOBAL_ID = globalId(S, J.completed);

/** Every demo job, as global IDs. */
export const DEMO_GLOBAL_IDS: string[] = OMICS_DEMO_JOBS.map((j) =>
  globalId(j.referenceStoreId, j.id),
);

/** Error-case jobs that always answer not found (404), throttled (429), 5xx, access denied (403). */
export const ERROR_CASE_GLOBAL_IDS = {
  notFound: globalId(S, OMICS_ERROR_CASE_IDS.notFound),
  throttled: globalId(S, OMICS_ERROR_CASE_IDS.throttled),
  serverError: globalId(S, OMICS_ERROR_CASE_IDS.serverError),
  accessDenied: globalId(S, OMICS_ERROR_CASE_IDS.accessDenied),
  requestTimeout: globalId(S, OMICS_ERROR_CASE_IDS.requestTimeout),
};
