import type { JobState } from '../../src/model/job.ts';

/*
 * The providers' documented job statuses and the state jobgraph gives each: the tests' own
 * tables, written from each API reference, independent of the state maps in src/ and of the
 * emulators' data.
 */

/** HealthOmics' reference import job statuses (GetReferenceImportJob) → state. */
export const OMICS_STATES: Readonly<Record<string, JobState>> = {
  SUBMITTED: 'QUEUED',
  IN_PROGRESS: 'IN_PROGRESS',
  CANCELLING: 'CANCELLING',
  CANCELLED: 'CANCELLED',
  FAILED: 'FAILED',
  COMPLETED: 'SUCCEEDED',
  COMPLETED_WITH_FAILURES: 'SUCCEEDED_WITH_ERRORS',
};

/** Import/Export's ProgressCodes (the Developer Guide's list, GetStatus) → state. */
export const IMPORT_EXPORT_STATES: Readonly<Record<string, JobState>> = {
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
};

/** COS Batch's job statuses (DescribeJob's Status), in alphabetical order. */
export const COS_BATCH_STATUSES: readonly string[] = [
  'Active',
  'Cancelled',
  'Cancelling',
  'Complete',
  'Completing',
  'Failed',
  'Failing',
  'New',
  'Paused',
  'Pausing',
  'Preparing',
  'Ready',
  'Suspended',
];

/** Panorama's package import job statuses (DescribePackageImportJob) → state. */
export const PANORAMA_STATES: Readonly<Record<string, JobState>> = {
  PENDING: 'QUEUED',
  SUCCEEDED: 'SUCCEEDED',
  FAILED: 'FAILED',
};
