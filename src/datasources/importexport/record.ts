import type { JobRecord } from '../../model.ts';

/** `ImportExportJobType`: the model's closed set. An unknown wire value reads as null. */
export type ImportExportJobType = 'Import' | 'Export';

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
