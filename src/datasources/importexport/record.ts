import type { JobRecord, JobState } from '../../model/job.ts';

/**
 * ProgressCode → JobState. The model has no enum for ProgressCode; this is the Developer
 * Guide's list. Expired and the device/signature/format error codes end the job: FAILED.
 * Anything else (e.g. `Started`, which the CLI docs mention) is UNKNOWN.
 */
export const IMPORTEXPORT_STATE_MAP: Readonly<Record<string, JobState>> = Object.freeze({
  Pending: 'QUEUED',
  InProgress: 'IN_PROGRESS',
  Complete: 'SUCCEEDED',
  SuccessWithErrors: 'SUCCEEDED_WITH_ERRORS',
  Canceled: 'CANCELLED',
  Expired: 'FAILED',
  DeviceError: 'FAILED',
  InvalidSignature: 'FAILED',
  MissingDevice: 'FAILED',
  MissingSignature: 'FAILED',
  UnsupportedDeviceType: 'FAILED',
  UnsupportedFileFormat: 'FAILED',
  UnsupportedPowerSupply: 'FAILED',
});

/** `ImportExportJobType`: the model's closed set. An unknown wire value reads as null. */
export const IMPORTEXPORT_JOB_TYPES = ['Import', 'Export'] as const;
export type ImportExportJobType = (typeof IMPORTEXPORT_JOB_TYPES)[number];

/** One `ArtifactList` member (`ImportExportArtifact`). `url` is often a presigned link: a secret. */
export interface ImportExportArtifact {
  description: string | null;
  url: string | null;
}

/**
 * An Import/Export job as GetStatus describes it, normalised. Field names are the
 * `ImportExportJob` GraphQL names. `region` is always null (global service);
 * `providerStatus` is ProgressCode, `statusMessage` ProgressMessage, `createdAt` CreationDate.
 */
export interface ImportExportJobRecord extends JobRecord {
  provider: 'AWS_IMPORT_EXPORT';
  region: null;
  /** `JobId` exactly as the response carried it (null when absent). */
  jobId: string | null;
  jobType: ImportExportJobType | null;
  locationCode: string | null;
  locationMessage: string | null;
  progressCode: string | null;
  progressMessage: string | null;
  carrier: string | null;
  trackingNumber: string | null;
  logBucket: string | null;
  logKey: string | null;
  errorCount: number | null;
  /** Secret. */
  signature: string | null;
  /** Secret; multi-line text, kept exactly. */
  signatureFileContents: string | null;
  /** Secret; multi-line manifest text, kept exactly. */
  currentManifest: string | null;
  creationDate: string | null;
  artifactList: ImportExportArtifact[];
  /** Documented in the Developer Guide's GetStatus page, absent from every SDK model. */
  awsShippingAddress: string | null;
  /** Documented in the Developer Guide's GetStatus page, absent from every SDK model. */
  warningMessage: string | null;
}
