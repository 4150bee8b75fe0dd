import { demoIsoMover } from '../demoDates.ts';

/**
 * Demo AWS Import/Export jobs, in the wire shape of `GetStatusResult` (the emulator's own
 * types; it shares nothing with the client). One job per documented ProgressCode, both job
 * types, every optional element on at least one job, and a minimal job. Every secret
 * (signature, signature file, manifest, presigned artifact URL) is an obviously fake,
 * unique, greppable string (`DEMO-SIGNATURE-…`, `X-Amz-Signature=DEMOSIG…`), so tests can
 * assert it never leaks.
 */

/** One `ArtifactList/member`. */
export interface WireArtifact {
  Description?: string;
  URL?: string;
}

/** `GetStatusResult`, in the model's member order; every element is optional on the wire. */
export interface WireGetStatusResult {
  JobId: string;
  JobType?: 'Import' | 'Export';
  LocationCode?: string;
  LocationMessage?: string;
  ProgressCode?: string;
  ProgressMessage?: string;
  Carrier?: string;
  TrackingNumber?: string;
  LogBucket?: string;
  LogKey?: string;
  ErrorCount?: number;
  Signature?: string;
  SignatureFileContents?: string;
  CurrentManifest?: string;
  /** ISO-8601, e.g. `2016-03-28T20:27:35Z`. */
  CreationDate?: string;
  /** Absent: no element. Empty array: `<ArtifactList/>`. */
  ArtifactList?: WireArtifact[];
  /** Only in the Developer Guide's GetStatus page and sample; no SDK model has it. */
  AwsShippingAddress?: string;
  /** Only in the Developer Guide's GetStatus page; no SDK model has it. */
  WarningMessage?: string;
}

/** The session token the emulator accepts besides plain (token-less) demo credentials. */
export const DEMO_IMPORTEXPORT_SESSION_TOKEN = 'DEMO-SESSION-TOKEN-importexport-not-a-real-token';

export const LOG_BUCKET = 'jobgraph-demo-importexport-logs';
const DATA_BUCKET = 'jobgraph-demo-import';

function signature(jobId: string): string {
  return `DEMO-SIGNATURE-${jobId}-bm90LWEtcmVhbC1zaWduYXR1cmU=`;
}

/** The SIGNATURE file a customer copies to the device root (multi-line, trailing newline). */
function signatureFile(jobId: string): string {
  return `version:2.0\nsigningMethod:HmacSHA1\njobId:${jobId}\nsignature:${signature(jobId)}\n`;
}

/** A manifest as the Import/Export tool writes it; `&` and `<…>` make the wire XML escape them. */
function manifest(jobId: string, jobType: 'Import' | 'Export'): string {
  const common = [
    'manifestVersion:2.0',
    'generator:AWS Import/Export Command Line Tool',
    `deviceId:DEMO-DEVICE-${jobId}`,
    `notificationEmail:storage-team@example.com`,
    'returnAddress:',
    '    name:Demo Storage Team',
    '    company:Example Data & Archive <Demo>',
    '    street1:123 Example Street',
    '    city:Seattle',
    '    stateOrProvince:WA',
    '    postalCode:98101',
    '    phoneNumber:206-555-0100',
    '    country:USA',
  ];
  const specific =
    jobType === 'Import'
      ? [
          `bucket:${DATA_BUCKET}`,
          'eraseDevice:yes',
          `logPrefix:importexport-logs/${jobId}/`,
          `pinCode:DEMO-PIN-${jobId}`,
        ]
      : [
          `fileSystem:NTFS`,
          'operations:',
          '  - exportBucket:jobgraph-demo-export',
          '    targetDirectory:/export',
          `logBucket:${LOG_BUCKET}`,
        ];
  return [...common, ...specific].join('\n');
}

/** A presigned-looking S3 URL; `&` is escaped on the wire. The signature is DEMOSIG… on purpose. */
function presigned(jobId: string, object: string, n: number): string {
  const sig = `DEMOSIG${jobId}${String(n).padStart(2, '0')}`.padEnd(64, '0');
  return (
    `https://jobgraph-demo-artifacts.s3.amazonaws.com/${jobId}/${object}` +
    `?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=ASIAJOBGRAPHDEMO0001%2F20160401%2Fus-east-1%2Fs3%2Faws4_request` +
    `&X-Amz-Date=20160401T120000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=${sig}`
  );
}

function signatureArtifact(jobId: string): WireArtifact {
  return {
    Description: 'SIGNATURE file to copy to the root directory of your device',
    URL: presigned(jobId, 'SIGNATURE', 1),
  };
}
function labelArtifact(jobId: string): WireArtifact {
  return {
    Description: 'Prepaid UPS shipping label (PDF)',
    URL: presigned(jobId, 'shipping-label.pdf', 2),
  };
}
function logArtifact(jobId: string): WireArtifact {
  return { Description: 'Job log', URL: presigned(jobId, 'job-log.txt', 3) };
}

/** An ordinary job's ArtifactList: its SIGNATURE file, then the shipping label and the job log as asked. */
export function artifacts(jobId: string, ...more: readonly ('label' | 'log')[]): WireArtifact[] {
  const of = { label: labelArtifact, log: logArtifact };
  return [signatureArtifact(jobId), ...more.map((kind) => of[kind](jobId))];
}

/** Where a device is (LocationCode), and the LocationMessage the service writes for each place. */
export const LOCATION_MESSAGES = {
  NotReceived: 'AWS has not received your device.',
  AtAWS: 'Your device is at AWS.',
  Returned: 'Your device has been returned.',
} as const;

export type DeviceLocation = keyof typeof LOCATION_MESSAGES;

/** The ProgressMessage the demo writes for each ProgressCode, and where the device then is. */
const PROGRESS_CODES: Readonly<
  Record<string, readonly [message: string, location: DeviceLocation]>
> = {
  Pending: ['The specified job has not started.', 'NotReceived'],
  Started: ['The job has started.', 'AtAWS'],
  InProgress: ['Data transfer is in progress.', 'AtAWS'],
  Complete: ['The job has completed.', 'Returned'],
  SuccessWithErrors: ['The job completed with errors; see the log.', 'Returned'],
  Canceled: ['The job was canceled.', 'NotReceived'],
  Expired: ['The job expired: no device arrived within 30 days.', 'NotReceived'],
  DeviceError: ['The device could not be read.', 'Returned'],
  InvalidSignature: ['The SIGNATURE file on the device is not valid.', 'AtAWS'],
  MissingDevice: ['The package arrived without a storage device.', 'AtAWS'],
  MissingSignature: ['The device has no SIGNATURE file.', 'AtAWS'],
  UnsupportedDeviceType: ['The device type is not supported.', 'Returned'],
  UnsupportedFileFormat: ['The file system on the device is not supported.', 'AtAWS'],
  UnsupportedPowerSupply: ['The power supply sent with the device is not supported.', 'AtAWS'],
};

/** Where the device is in a job of `code` (`AtAWS` for a code the demo does not write). */
export function deviceLocationOf(code: string): DeviceLocation {
  return PROGRESS_CODES[code]?.[1] ?? 'AtAWS';
}

/**
 * A job with the fields every ordinary job carries, its ProgressMessage and LocationCode those the
 * demo writes for its ProgressCode (`PROGRESS_CODES`; none and `AtAWS` for another code).
 */
export function job(
  JobId: string,
  JobType: 'Import' | 'Export',
  ProgressCode: string,
  CreationDate: string,
  extra: Partial<WireGetStatusResult> = {},
): WireGetStatusResult {
  const LocationCode = deviceLocationOf(ProgressCode);
  return {
    JobId,
    JobType,
    LocationCode,
    LocationMessage: LOCATION_MESSAGES[LocationCode],
    ProgressCode,
    ProgressMessage: PROGRESS_CODES[ProgressCode]?.[0] ?? '',
    Signature: signature(JobId),
    SignatureFileContents: signatureFile(JobId),
    CurrentManifest: manifest(JobId, JobType),
    CreationDate,
    ...extra,
  };
}

/**
 * Every demo job, dated as of DEMO_JOBS_REFERENCE (the Developer Guide's 2016 examples); the
 * emulator serves `demoJobsAt(anchorMs)`, the same jobs moved to its start.
 */
export const DEMO_JOBS: readonly WireGetStatusResult[] = [
  job('PNDG1', 'Import', 'Pending', '2016-04-17T00:09:02Z', {
    ArtifactList: artifacts('PNDG1', 'label'),
    AwsShippingAddress: 'AWS Import/Export\nJOBID PNDG1\n1111 Example Ave South\nSeattle, WA 98108',
  }),
  job('INPG1', 'Import', 'InProgress', '2016-04-02T15:41:10Z', {
    LogBucket: LOG_BUCKET,
    ArtifactList: artifacts('INPG1'),
    WarningMessage: 'The bucket name jobgraph.Demo.Import does not follow DNS naming conventions.',
  }),
  job('CMPL1', 'Import', 'Complete', '2016-03-28T20:27:35Z', {
    Carrier: 'UPS',
    TrackingNumber: '1Z9999W99999999999',
    LogBucket: LOG_BUCKET,
    LogKey: 'importexport-logs/CMPL1/import-log-CMPL1.txt',
    ErrorCount: 0,
    ArtifactList: artifacts('CMPL1', 'label', 'log'),
  }),
  job('SWER1', 'Export', 'SuccessWithErrors', '2016-03-14T08:05:51Z', {
    Carrier: 'FedEx',
    TrackingNumber: '999999999999',
    LogBucket: LOG_BUCKET,
    LogKey: 'importexport-logs/SWER1/export-log-SWER1.txt',
    ErrorCount: 3,
    ArtifactList: [logArtifact('SWER1')],
  }),
  job('CNCL1', 'Import', 'Canceled', '2016-02-20T11:00:00Z', { ArtifactList: [] }),
  job('EXPD1', 'Export', 'Expired', '2015-12-01T09:30:00Z'),
  job('DVER1', 'Import', 'DeviceError', '2016-01-11T16:20:00Z', {
    Carrier: 'UPS',
    TrackingNumber: '1Z9999W99999999998',
  }),
  job('INSG1', 'Import', 'InvalidSignature', '2016-01-19T10:00:00Z'),
  job('MSDV1', 'Export', 'MissingDevice', '2016-01-25T13:45:00Z'),
  job('MSSG1', 'Import', 'MissingSignature', '2016-02-02T07:15:00Z'),
  job('USDT1', 'Import', 'UnsupportedDeviceType', '2016-02-05T18:00:00Z'),
  job('USFF1', 'Export', 'UnsupportedFileFormat', '2016-02-09T12:00:00Z'),
  job('USPS1', 'Import', 'UnsupportedPowerSupply', '2016-02-12T09:00:00Z'),
  // A code outside the documented list (the CLI docs mention "Started"): jobgraph reads it as UNKNOWN.
  job('STRT1', 'Export', 'Started', '2016-04-10T06:00:00Z'),
  // Only what every answer has: nothing in the output shape is required.
  { JobId: 'MINI1', ProgressCode: 'Pending' },
];

/** The instant DEMO_JOBS are dated against: a day after the newest (PNDG1). */
const DEMO_JOBS_REFERENCE_MS = Date.parse('2016-04-18T00:09:02Z');

/**
 * A demo job as an emulator started at `anchorMs` answers it: its CreationDate as long before
 * that start as it lies before DEMO_JOBS_REFERENCE_MS. A copy made at each answer, so a test
 * that moves a DEMO_JOBS entry by hand is answered its move.
 */
export function demoJobAt(job: WireGetStatusResult, anchorMs: number): WireGetStatusResult {
  if (job.CreationDate === undefined) return job;
  return { ...job, CreationDate: demoIsoMover(DEMO_JOBS_REFERENCE_MS, anchorMs)(job.CreationDate) };
}

/** DEMO_JOBS as an emulator started at `anchorMs` answers them (`demoJobAt`). */
export function demoJobsAt(anchorMs: number): WireGetStatusResult[] {
  return DEMO_JOBS.map((j) => demoJobAt(j, anchorMs));
}

/** Job IDs that always answer an error. */
export const ERROR_CASE_JOB_IDS = Object.freeze({
  /** 400 InvalidJobIdException (any unknown ID does too). */
  notFound: 'NOJOB',
  /** 400 Throttling. */
  throttled: 'THROT',
  /** 503 ServiceUnavailable. */
  serverError: 'ERR50',
  /** 400 ExpiredJobIdException. */
  expired: 'EXPJB',
  /** 400 CanceledJobIdException. */
  canceled: 'CNCJB',
});

const gid = (jobId: string) => `importexport:${jobId}`;

/** A finished import, returned to the customer with carrier, tracking number, logs and three artifacts. */
export const EXAMPLE_GLOBAL_ID = gid('CMPL1');
export const DEMO_GLOBAL_IDS: string[] = DEMO_JOBS.map((j) => gid(j.JobId));
export const ERROR_CASE_GLOBAL_IDS: { notFound: string; throttled: string; serverError: string } = {
  notFound: gid(ERROR_CASE_JOB_IDS.notFound),
  throttled: gid(ERROR_CASE_JOB_IDS.throttled),
  serverError: gid(ERROR_CASE_JOB_IDS.serverError),
};
/** The Import/Export-only error cases: jobs that expired or were cancelled (NOT_FOUND with their own message). */
export const GONE_CASE_GLOBAL_IDS: { expired: string; canceled: string } = {
  expired: gid(ERROR_CASE_JOB_IDS.expired),
  canceled: gid(ERROR_CASE_JOB_IDS.canceled),
};
