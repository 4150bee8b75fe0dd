import {
  generatedList,
  listedSlots,
  type JobList,
  type ListPlace,
  type StatusMix,
} from '../listing.ts';
import { isoSeconds } from '../progress.ts';
import { artifacts, deviceLocationOf, job, LOG_BUCKET, type WireGetStatusResult } from './data.ts';

/**
 * The Import/Export jobs ListJobs shows for the demo account: generated, with fixed IDs
 * (`LJ001`…), over the 90 days before the emulator started (`anchorMs`). Each is a full
 * GetStatusResult (secrets included, as on every demo job), so GetStatus answers for every
 * listed job, and a job is canceled (ListJobs' `IsCanceled`) exactly when its ProgressCode is
 * `Canceled`. Every documented ProgressCode appears, and one `Started` (the CLI docs' example of
 * a code outside that list); two jobs share a creation second. The fixed demo jobs of data.ts
 * (dated 2015-2016) are describe fixtures and are not listed.
 */

type Counts = readonly (readonly [string, number])[];

/** The ProgressCodes of jobs still under way, on the newest jobs. */
export const IMPORTEXPORT_LIST_RECENT_COUNTS: Counts = [
  ['Pending', 3],
  ['Started', 1],
  ['InProgress', 4],
];
/** The ProgressCodes of finished jobs, spread over the rest. */
export const IMPORTEXPORT_LIST_SETTLED_COUNTS: Counts = [
  ['Complete', 30],
  ['SuccessWithErrors', 6],
  ['Canceled', 5],
  ['Expired', 4],
  ['DeviceError', 3],
  ['InvalidSignature', 2],
  ['MissingDevice', 2],
  ['MissingSignature', 2],
  ['UnsupportedDeviceType', 2],
  ['UnsupportedFileFormat', 1],
  ['UnsupportedPowerSupply', 1],
];

/** How many jobs the list shows besides the progressing job. */
export const IMPORTEXPORT_LIST_JOB_COUNT = [
  ...IMPORTEXPORT_LIST_RECENT_COUNTS,
  ...IMPORTEXPORT_LIST_SETTLED_COUNTS,
].reduce((sum, [, n]) => sum + n, 0);

/** Listed jobs (by index, 0 = newest) that share the creation second of the job before them. */
export const IMPORTEXPORT_LIST_TIED_INDEXES: readonly number[] = [20];

/** The JobId of listed job `index` (0 = newest): `LJ` and three digits. */
function importExportListedJobId(index: number): string {
  return `LJ${String(index + 1).padStart(3, '0')}`;
}

/** Every listed job (without the progressing one), newest first, for an emulator started at `anchorMs`. */
export function importExportListedJobs(anchorMs: number): WireGetStatusResult[] {
  return listedSlots({
    anchorMs,
    count: IMPORTEXPORT_LIST_JOB_COUNT,
    seed: 'importexport',
    recent: IMPORTEXPORT_LIST_RECENT_COUNTS,
    settled: IMPORTEXPORT_LIST_SETTLED_COUNTS,
    resolutionMs: 1000,
    tiedIndexes: IMPORTEXPORT_LIST_TIED_INDEXES,
  }).map(({ createdMs, status }, i) => listedJob(importExportListedJobId(i), i, createdMs, status));
}

/** A big account's ProgressCode mix (weights): jobs under way the newest, mostly Complete. */
export const IMPORTEXPORT_BIG_STATUS_MIX: StatusMix = {
  recent: [
    ['Pending', 1],
    ['Started', 0.2],
    ['InProgress', 2],
  ],
  settled: [
    ['Complete', 62],
    ['SuccessWithErrors', 10],
    ['Canceled', 8],
    ['Expired', 6],
    ['DeviceError', 3],
    ['InvalidSignature', 1.5],
    ['MissingDevice', 1.5],
    ['MissingSignature', 1.5],
    ['UnsupportedDeviceType', 1],
    ['UnsupportedFileFormat', 1],
    ['UnsupportedPowerSupply', 1.3],
  ],
};

/** In a big account, every this many jobs one shares the creation second of the job before it. */
const IMPORTEXPORT_BIG_TIE_EVERY = 89;

/**
 * The JobId of big-account job `index` (0 = newest): five characters like the service's, `K` and
 * the index in four upper-case base-36 digits (no demo, error-case or bench ID starts with K).
 */
function importExportBigJobId(index: number): string {
  return `K${index.toString(36).toUpperCase().padStart(4, '0')}`;
}

/**
 * A big account's Import/Export jobs (`jobsPerSource`; the service is global, so one source):
 * `count` jobs over the 90 days before `anchorMs`, whole seconds, every 89th sharing its
 * creation second with the job before it; each a full GetStatusResult built when asked.
 */
export function importExportBigJobs(anchorMs: number, count: number): JobList<WireGetStatusResult> {
  return generatedList({
    count,
    anchorMs,
    seed: 'importexport-big',
    resolutionMs: 1000,
    mix: IMPORTEXPORT_BIG_STATUS_MIX,
    tieEvery: IMPORTEXPORT_BIG_TIE_EVERY,
    id: importExportBigJobId,
    build: ({ id, index, createdMs, status }) => listedJob(id, index, createdMs, status),
  });
}

function listedJob(
  id: string,
  index: number,
  createdMs: number,
  code: string,
): WireGetStatusResult {
  const location = deviceLocationOf(code);
  const type = index % 3 === 1 ? 'Export' : 'Import';
  const returned = location === 'Returned';
  const finished = code === 'Complete' || code === 'SuccessWithErrors';
  return job(id, type, code, isoSeconds(createdMs), {
    ...(returned
      ? {
          Carrier: index % 2 === 0 ? 'UPS' : 'FedEx',
          TrackingNumber: `1Z9999W9${String(index).padStart(10, '0')}`,
        }
      : {}),
    ...(location !== 'NotReceived' ? { LogBucket: LOG_BUCKET } : {}),
    ...(finished
      ? {
          LogKey: `importexport-logs/${id}/${type.toLowerCase()}-log-${id}.txt`,
          ErrorCount: code === 'Complete' ? 0 : 1 + (index % 5),
        }
      : {}),
    ArtifactList:
      code === 'Canceled' ? [] : finished ? artifacts(id, 'log') : artifacts(id, 'label'),
  });
}

/** Where an Import/Export job stands in a list: CreationDate in ms, JobId, ProgressCode. */
export function importExportListPlace(job: WireGetStatusResult): ListPlace {
  return {
    createdMs: Date.parse(job.CreationDate ?? ''),
    id: job.JobId,
    status: job.ProgressCode ?? '',
  };
}
