import { isoSeconds } from '../progress.ts';
import {
  secondAccountJobs,
  type SecondAccountRow,
  type SecondAccountSlot,
} from '../secondAccount.ts';
import { LOCATION_MESSAGES, type DeviceLocation, type WireGetStatusResult } from './data.ts';

/**
 * The second demo account's (staging's) Import/Export jobs, created days to weeks before the
 * emulator started (`anchorMs`), all listed. One has the JobId of the default account's
 * example job (`CMPL1`, Complete there), InProgress here with another manifest, so a client
 * can show that the same native ID in two accounts names two jobs. Every secret is a fake
 * `DEMO-…-STAGING-…` string, distinct from the default account's.
 */

const LOG_BUCKET = 'jobgraph-staging-importexport-logs';

/** The second account's job IDs by what they show. */
export const IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS = Object.freeze({
  /** The default account's example job's ID (Complete there): InProgress here. */
  shared: 'CMPL1',
  pending: 'STGP1',
  complete: 'STGC1',
  canceled: 'STGX1',
});

type Row = SecondAccountRow<
  keyof typeof IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS,
  {
    type: 'Import' | 'Export';
    progress: [code: string, message: string];
    location: DeviceLocation;
    extra?: Partial<WireGetStatusResult>;
  }
>;

const J = IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS;
// prettier-ignore
const ROWS: readonly Row[] = [
  { job: 'pending', age: '1d', type: 'Export', progress: ['Pending', 'The specified job has not started.'], location: 'NotReceived' },
  { job: 'shared', age: '4d', type: 'Import', progress: ['InProgress', 'staging: data transfer is in progress.'], location: 'AtAWS', extra: { LogBucket: LOG_BUCKET } },
  { job: 'complete', age: '20d', type: 'Import', progress: ['Complete', 'The job has completed.'], location: 'Returned', extra: {
    Carrier: 'UPS', TrackingNumber: '1Z9999W99999957A9E', LogBucket: LOG_BUCKET,
    LogKey: `importexport-logs/${J.complete}/import-log-${J.complete}.txt`, ErrorCount: 0,
  } },
  { job: 'canceled', age: '45d', type: 'Export', progress: ['Canceled', 'staging: the job was canceled.'], location: 'NotReceived' },
];

/** One row on the wire. */
function template(row: Row, { jobId, createdMs }: SecondAccountSlot): WireGetStatusResult {
  const signature = `DEMO-SIGNATURE-STAGING-${jobId}-c3RhZ2luZy1ub3QtcmVhbA==`;
  return {
    JobId: jobId,
    JobType: row.type,
    LocationCode: row.location,
    LocationMessage: LOCATION_MESSAGES[row.location],
    ProgressCode: row.progress[0],
    ProgressMessage: row.progress[1],
    Signature: signature,
    SignatureFileContents: `version:2.0\nsigningMethod:HmacSHA1\njobId:${jobId}\nsignature:${signature}\n`,
    CurrentManifest: [
      'manifestVersion:2.0',
      'generator:AWS Import/Export Command Line Tool',
      `deviceId:DEMO-DEVICE-STAGING-${jobId}`,
      'notificationEmail:staging-storage@example.com',
      row.type === 'Import' ? 'bucket:jobgraph-staging-import' : `logBucket:${LOG_BUCKET}`,
    ].join('\n'),
    CreationDate: isoSeconds(createdMs),
    ...row.extra,
  };
}

/** The second account's jobs, newest first, for an emulator started at `anchorMs`. */
export function importExportSecondAccountJobs(anchorMs: number): WireGetStatusResult[] {
  return secondAccountJobs({ ids: J, rows: ROWS }, anchorMs, template);
}
