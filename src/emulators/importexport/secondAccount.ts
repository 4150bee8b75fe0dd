import { isoSeconds } from '../progress.ts';
import { LOCATION_MESSAGES, type DeviceLocation, type WireGetStatusResult } from './data.ts';

/**
 * The second demo account's (staging's) Import/Export jobs, created days to weeks before the
 * emulator started (`anchorMs`), all listed. One has the JobId of the default account's
 * example job (`CMPL1`, Complete there), InProgress here with another manifest, so a client
 * can show that the same native ID in two accounts names two jobs. Every secret is a fake
 * `DEMO-…-STAGING-…` string, distinct from the default account's.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const LOG_BUCKET = 'jobgraph-staging-importexport-logs';

/** The second account's job IDs by what they show. */
export const IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS = Object.freeze({
  /** The default account's example job's ID (Complete there): InProgress here. */
  shared: 'CMPL1',
  pending: 'STGP1',
  complete: 'STGC1',
  canceled: 'STGX1',
});

function stagingJob(
  anchorMs: number,
  jobId: string,
  ageMs: number,
  jobType: 'Import' | 'Export',
  progress: [code: string, message: string],
  location: DeviceLocation,
  extra: Partial<WireGetStatusResult> = {},
): WireGetStatusResult {
  const signature = `DEMO-SIGNATURE-STAGING-${jobId}-c3RhZ2luZy1ub3QtcmVhbA==`;
  return {
    JobId: jobId,
    JobType: jobType,
    LocationCode: location,
    LocationMessage: LOCATION_MESSAGES[location],
    ProgressCode: progress[0],
    ProgressMessage: progress[1],
    Signature: signature,
    SignatureFileContents: `version:2.0\nsigningMethod:HmacSHA1\njobId:${jobId}\nsignature:${signature}\n`,
    CurrentManifest: [
      'manifestVersion:2.0',
      'generator:AWS Import/Export Command Line Tool',
      `deviceId:DEMO-DEVICE-STAGING-${jobId}`,
      'notificationEmail:staging-storage@example.com',
      jobType === 'Import' ? 'bucket:jobgraph-staging-import' : `logBucket:${LOG_BUCKET}`,
    ].join('\n'),
    CreationDate: isoSeconds(anchorMs - ageMs),
    ...extra,
  };
}

/** The second account's jobs, newest first, for an emulator started at `anchorMs`. */
export function importExportSecondAccountJobs(anchorMs: number): WireGetStatusResult[] {
  const J = IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS;
  return [
    stagingJob(
      anchorMs,
      J.pending,
      1 * DAY,
      'Export',
      ['Pending', 'The specified job has not started.'],
      'NotReceived',
    ),
    stagingJob(
      anchorMs,
      J.shared,
      4 * DAY,
      'Import',
      ['InProgress', 'staging: data transfer is in progress.'],
      'AtAWS',
      { LogBucket: LOG_BUCKET },
    ),
    stagingJob(
      anchorMs,
      J.complete,
      20 * DAY,
      'Import',
      ['Complete', 'The job has completed.'],
      'Returned',
      {
        Carrier: 'UPS',
        TrackingNumber: '1Z9999W99999957A9E',
        LogBucket: LOG_BUCKET,
        LogKey: `importexport-logs/${J.complete}/import-log-${J.complete}.txt`,
        ErrorCount: 0,
      },
    ),
    stagingJob(
      anchorMs,
      J.canceled,
      45 * DAY,
      'Export',
      ['Canceled', 'staging: the job was canceled.'],
      'NotReceived',
    ),
  ];
}
