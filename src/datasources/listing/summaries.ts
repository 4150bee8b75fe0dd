import {
  PATTERNS,
  formatGlobalId,
  type CosBatchKey,
  type ImportExportKey,
  type JobKey,
  type OmicsKey,
  type PanoramaKey,
} from '../../model/globalId.ts';
import { isTerminalState, type JobRecord, type JobState } from '../../model/job.ts';
import type { CosJobSummary } from '../cosbatch/list.ts';
import type { CosBatchJobRecord } from '../cosbatch/record.ts';
import type { ImportExportJobSummary } from '../importexport/list.ts';
import type { ImportExportJobRecord } from '../importexport/record.ts';
import type { OmicsJobSummary } from '../omics/list.ts';
import type { OmicsReferenceImportJobRecord } from '../omics/record.ts';
import type { PanoramaJobSummary } from '../panorama/list.ts';
import {
  PANORAMA_PACKAGE_IMPORT_JOB_STATUSES,
  type PanoramaPackageImportJobRecord,
} from '../panorama/record.ts';
import { enumValue } from '../shared/json.ts';
import type { Keyed } from './merge.ts';
import type { ListedJob } from './types.ts';

/**
 * A listed job in the merge: the job, its place in the merged order, and for Import/Export the
 * summary's `IsCanceled` (a `states` filter needs it).
 */
export interface Listed extends Keyed {
  job: ListedJob;
  isCanceled?: boolean | null;
}

/**
 * The list summaries as ListedJobs: each summary field under the name and in the form the
 * provider's describe record (parse.ts) gives it. Fields the summary lacks are left out, so the
 * describe path answers them; a record field the summary holds only part of (COS `operation`,
 * only its name) is left out too. No summary holds a secret field: the sensitive fields
 * (Import/Export `signature`, `signatureFileContents`, `currentManifest`, `artifactList.url`;
 * CodePipeline's, which does not list) are all describe-only.
 *
 * A summary whose job ID does not match the provider's documented pattern cannot be named by a
 * global ID (the describe path would refuse it): such a job is left out (null).
 */

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

/** The `state` and `terminal` fields of a record in `state` (none while it is unknown). */
export function stateFields(state: JobState | null): Partial<JobRecord> {
  return state === null ? {} : { state, terminal: isTerminalState(state) };
}

function listed(
  key: JobKey,
  createdAt: Date,
  state: JobState | null,
  summary: Partial<JobRecord>,
): Listed {
  const id = formatGlobalId(key);
  const createdAtIso = createdAt.toISOString();
  return {
    createdMs: createdAt.getTime(),
    id,
    job: {
      key,
      id,
      provider: key.provider,
      createdAt: createdAtIso,
      state,
      summary: { id, provider: key.provider, ...stateFields(state), ...summary },
    },
  };
}

export function panoramaListed(region: string, s: PanoramaJobSummary): Listed | null {
  if (!PATTERNS.panoramaJobId.re.test(s.jobId)) return null;
  const key: PanoramaKey = { provider: 'AWS_PANORAMA', region, jobId: s.jobId };
  const createdAt = s.createdAt.toISOString();
  const updatedAt = iso(s.updatedAt);
  const summary: Partial<PanoramaPackageImportJobRecord> = {
    nativeId: s.jobId,
    region,
    providerStatus: s.upstreamStatus,
    statusMessage: s.statusMessage,
    createdAt,
    updatedAt,
    completedAt: iso(s.completedAt),
    jobId: s.jobId,
    jobType: s.jobType,
    createdTime: createdAt,
    lastUpdatedTime: updatedAt,
    status: enumValue(s.upstreamStatus, PANORAMA_PACKAGE_IMPORT_JOB_STATUSES),
  };
  return listed(key, s.createdAt, s.state, summary);
}

export function omicsListed(
  region: string,
  referenceStoreId: string,
  s: OmicsJobSummary,
): Listed | null {
  if (!PATTERNS.omicsId.re.test(s.jobId)) return null;
  const key: OmicsKey = { provider: 'AWS_OMICS', region, referenceStoreId, id: s.jobId };
  const createdAt = s.createdAt.toISOString();
  const completedAt = iso(s.completedAt);
  const summary: Partial<OmicsReferenceImportJobRecord> = {
    nativeId: s.jobId,
    region,
    providerStatus: s.upstreamStatus,
    createdAt,
    updatedAt: null,
    completedAt,
    referenceStoreId: s.referenceStoreId ?? referenceStoreId,
    roleArn: s.roleArn,
    status: s.status,
    creationTime: createdAt,
    completionTime: completedAt,
  };
  return listed(key, s.createdAt, s.state, summary);
}

export function cosListed(region: string, uin: string, s: CosJobSummary): Listed | null {
  if (!PATTERNS.cosJobId.re.test(s.jobId)) return null;
  const key: CosBatchKey = { provider: 'TENCENT_COS_BATCH', region, uin, jobId: s.jobId };
  const createdAt = s.createdAt.toISOString();
  const completedAt = iso(s.completedAt);
  const summary: Partial<CosBatchJobRecord> = {
    nativeId: s.jobId,
    region,
    providerStatus: s.upstreamStatus,
    createdAt,
    updatedAt: null,
    completedAt,
    uin,
    jobId: s.jobId,
    creationTime: createdAt,
    description: s.description,
    priority: s.priority,
    progressSummary: s.progressSummary,
    status: s.upstreamStatus,
    terminationDate: completedAt,
  };
  return listed(key, s.createdAt, s.state, summary);
}

export function importExportListed(s: ImportExportJobSummary): Listed | null {
  if (!PATTERNS.importExportJobId.re.test(s.jobId)) return null;
  const key: ImportExportKey = { provider: 'AWS_IMPORT_EXPORT', jobId: s.jobId };
  const createdAt = s.createdAt.toISOString();
  const summary: Partial<ImportExportJobRecord> = {
    nativeId: s.jobId,
    region: null,
    createdAt,
    updatedAt: null,
    completedAt: null,
    jobId: s.jobId,
    jobType: s.jobType,
    creationDate: createdAt,
  };
  return { ...listed(key, s.createdAt, s.state, summary), isCanceled: s.isCanceled };
}
