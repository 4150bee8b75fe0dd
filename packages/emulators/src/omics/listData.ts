import {
  listedSlots,
  unitHash,
  type BigAccountSpec,
  type ListedSlot,
  type ListPlace,
  type StatusMix,
} from '../listing.ts';
import { isoMillis } from '../progress.ts';
import {
  OMICS_DEMO_REFERENCE_STORE_ID,
  OMICS_DEMO_REGION,
  OMICS_DEMO_SECOND_STORE_ID,
  type WireOmicsJob,
  type WireOmicsSource,
} from './data.ts';

/**
 * The reference import jobs ListReferenceImportJobs shows in the demo's two reference stores,
 * and the stores ListReferenceStores shows: generated, with fixed IDs, over the 90 days before
 * the emulator started (`anchorMs`). Every listed job is a full GetReferenceImportJob body too,
 * so the describe route answers for it with the same status and times. The fixed demo jobs of
 * data.ts (dated 2024) are describe fixtures and are not listed.
 */

/** A reference store on the wire (`ReferenceStoreDetail`). */
export interface WireReferenceStore {
  arn: string;
  id: string;
  name?: string;
  description?: string;
  sseConfig?: { type: string; keyArn?: string };
  /** ISO-8601. */
  creationTime: string;
}

const ACCOUNT = '123456789012';

/** The demo region's reference stores, oldest first. */
export const OMICS_REFERENCE_STORES: readonly WireReferenceStore[] = [
  {
    arn: `arn:aws:omics:${OMICS_DEMO_REGION}:${ACCOUNT}:referenceStore/${OMICS_DEMO_REFERENCE_STORE_ID}`,
    id: OMICS_DEMO_REFERENCE_STORE_ID,
    name: 'human-references',
    description: 'Human and model-organism reference genomes',
    sseConfig: { type: 'KMS' },
    creationTime: '2024-06-20T08:00:00.000Z',
  },
  {
    arn: `arn:aws:omics:${OMICS_DEMO_REGION}:${ACCOUNT}:referenceStore/${OMICS_DEMO_SECOND_STORE_ID}`,
    id: OMICS_DEMO_SECOND_STORE_ID,
    name: 'plant-references',
    sseConfig: {
      type: 'KMS',
      keyArn: `arn:aws:kms:${OMICS_DEMO_REGION}:${ACCOUNT}:key/0f6b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d`,
    },
    creationTime: '2024-06-27T15:30:00.000Z',
  },
];

type Counts = readonly (readonly [string, number])[];

/** How many listed jobs each store has in each status: non-terminal ones are the newest. */
export const OMICS_LIST_STATUS_COUNTS: Readonly<
  Record<string, { recent: Counts; settled: Counts }>
> = Object.freeze({
  [OMICS_DEMO_REFERENCE_STORE_ID]: {
    recent: [
      ['SUBMITTED', 2],
      ['IN_PROGRESS', 3],
      ['CANCELLING', 1],
    ],
    settled: [
      ['CANCELLED', 4],
      ['FAILED', 6],
      ['COMPLETED_WITH_FAILURES', 4],
      ['COMPLETED', 28],
    ],
  },
  [OMICS_DEMO_SECOND_STORE_ID]: {
    recent: [
      ['SUBMITTED', 1],
      ['IN_PROGRESS', 1],
      ['CANCELLING', 1],
    ],
    settled: [
      ['CANCELLED', 2],
      ['FAILED', 3],
      ['COMPLETED_WITH_FAILURES', 2],
      ['COMPLETED', 14],
    ],
  },
});

/** How many jobs a store lists besides the progressing job (which is in the main store). */
export function omicsListJobCount(referenceStoreId: string): number {
  const counts = OMICS_LIST_STATUS_COUNTS[referenceStoreId];
  return counts ? [...counts.recent, ...counts.settled].reduce((sum, [, n]) => sum + n, 0) : 0;
}

/** The ID of listed job `index` (0 = newest) of a store: 10 digits, `812…` in the main store, `813…` in the second. */
function omicsListedJobId(referenceStoreId: string, index: number): string {
  const prefix = referenceStoreId === OMICS_DEMO_REFERENCE_STORE_ID ? '812' : '813';
  return `${prefix}${String(index + 1).padStart(7, '0')}`;
}

const SPECIES = [
  { name: 'GRCh38', file: 'GRCh38/GRCh38_full_analysis_set.fa' },
  { name: 'T2T-CHM13v2.0', file: 'chm13/chm13v2.0.fa' },
  { name: 'GRCm39', file: 'mouse/GRCm39.fa' },
  { name: 'GRCz11', file: 'zebrafish/GRCz11.fa' },
  { name: 'R64-1-1', file: 'yeast/R64-1-1.fa' },
  { name: 'TAIR10', file: 'plants/TAIR10.fa' },
  { name: 'IRGSP-1.0', file: 'plants/IRGSP-1.0.fa' },
];

/** Every listed job of both stores (without the progressing one), each store's newest first, for an emulator started at `anchorMs`. */
export function omicsListedJobs(anchorMs: number): WireOmicsJob[] {
  return Object.keys(OMICS_LIST_STATUS_COUNTS).flatMap((storeId) => {
    const { recent, settled } = OMICS_LIST_STATUS_COUNTS[storeId] as {
      recent: Counts;
      settled: Counts;
    };
    const count = omicsListJobCount(storeId);
    return listedSlots({ anchorMs, count, seed: `omics/${storeId}`, recent, settled }).map(
      ({ createdMs, status }, index) =>
        listedJob({ id: omicsListedJobId(storeId, index), index, createdMs, status }, storeId),
    );
  });
}

/** A big account's status mix (weights): a few jobs under way, the newest; mostly COMPLETED. */
export const OMICS_BIG_STATUS_MIX: StatusMix = {
  recent: [
    ['SUBMITTED', 0.5],
    ['IN_PROGRESS', 1],
    ['CANCELLING', 0.2],
  ],
  settled: [
    ['CANCELLED', 3],
    ['FAILED', 7],
    ['COMPLETED_WITH_FAILURES', 5],
    ['COMPLETED', 83.3],
  ],
};

/**
 * The ID of big-account job `index` (0 = newest) of a store: 11 digits, `821…` in the main store
 * and `822…` in the second (clear of the demo's 10-digit IDs, the error cases' and the bench's
 * `97…`/`98…`), so its sources' reference IDs are distinct too.
 */
function omicsBigJobId(referenceStoreId: string, index: number): string {
  const prefix = referenceStoreId === OMICS_DEMO_REFERENCE_STORE_ID ? '821' : '822';
  return `${prefix}${String(index + 1).padStart(8, '0')}`;
}

/**
 * A big account's reference import jobs in a store (`jobsPerSource`), each a full
 * GetReferenceImportJob body built when asked.
 */
export const OMICS_BIG_ACCOUNT: BigAccountSpec<WireOmicsJob> = {
  seed: 'omics-big',
  mix: OMICS_BIG_STATUS_MIX,
  id: omicsBigJobId,
  build: listedJob,
};

const SOURCE_STATUS: Readonly<Record<string, (k: number, n: number) => string>> = {
  SUBMITTED: () => 'NOT_STARTED',
  IN_PROGRESS: (k) => (k === 0 ? 'FINISHED' : k === 1 ? 'IN_PROGRESS' : 'NOT_STARTED'),
  CANCELLING: (k) => (k === 0 ? 'IN_PROGRESS' : 'NOT_STARTED'),
  CANCELLED: () => 'NOT_STARTED',
  FAILED: () => 'FAILED',
  COMPLETED_WITH_FAILURES: (k, n) => (k === n - 1 ? 'FAILED' : 'FINISHED'),
  COMPLETED: () => 'FINISHED',
};

const STATUS_MESSAGE: Readonly<Record<string, string>> = {
  CANCELLING: 'Cancellation requested by user.',
  CANCELLED: 'Cancelled by user.',
  FAILED: 'All sources failed to import.',
  COMPLETED_WITH_FAILURES: '1 of 2 sources failed to import.',
  COMPLETED: 'The job completed successfully.',
};

function listedJob(slot: ListedSlot, storeId: string): WireOmicsJob {
  const { id, index, createdMs, status } = slot;
  const sourceCount = status === 'COMPLETED_WITH_FAILURES' ? 2 : 1 + (index % 3);
  const terminal = ['CANCELLED', 'FAILED', 'COMPLETED_WITH_FAILURES', 'COMPLETED'].includes(status);
  const tookMs = 120_000 + Math.round(unitHash(`omics-took-${storeId}-${index}`) * 1_800_000);
  const sources = Array.from({ length: sourceCount }, (_, k): WireOmicsSource => {
    const species = SPECIES[(index + k) % SPECIES.length] as (typeof SPECIES)[number];
    const sourceStatus = (SOURCE_STATUS[status] ?? (() => 'NOT_STARTED'))(k, sourceCount);
    return {
      sourceFile: `s3://genomics-reference-demo/${species.file}`,
      status: sourceStatus,
      ...(sourceStatus === 'FAILED'
        ? { statusMessage: 'The source file is not a valid FASTA file.' }
        : {}),
      name: species.name,
      ...(k === 0 ? { description: `${species.name}, imported by listed job ${index + 1}` } : {}),
      ...(sourceStatus === 'FINISHED' ? { referenceId: `35${id.slice(2)}${k}` } : {}),
    };
  });
  const message = STATUS_MESSAGE[status];
  return {
    id,
    referenceStoreId: storeId,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/OmicsReferenceImportRole`,
    status,
    ...(message ? { statusMessage: message } : {}),
    creationTime: isoMillis(createdMs),
    ...(terminal ? { completionTime: isoMillis(createdMs + tookMs) } : {}),
    sources,
  };
}

/** Where a reference import job stands in a list: creationTime in ms, id, status. */
export function omicsListPlace(job: WireOmicsJob): ListPlace {
  return { createdMs: Date.parse(job.creationTime), id: job.id, status: job.status };
}
