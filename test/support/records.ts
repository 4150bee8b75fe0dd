import type { JobRecord } from '../../src/model/job.ts';

/**
 * The common fields of a record whose state and times the wire did not give: a CodePipeline job
 * (no status on the wire), or a job whose answer said nothing of them.
 */
export const UNKNOWN_STATE_FIELDS = {
  state: 'UNKNOWN',
  providerStatus: null,
  statusMessage: null,
  terminal: false,
  createdAt: null,
  updatedAt: null,
  completedAt: null,
} as const;

/**
 * The record of a queued Import/Export job `nativeId` (Pending, "waiting", not yet received at a
 * location), with `patch` laid over it.
 */
export const queuedImportExportRecord = (
  nativeId: string,
  patch: Partial<JobRecord> & Record<string, unknown> = {},
): JobRecord =>
  ({
    id: `importexport:${nativeId}`,
    provider: 'AWS_IMPORT_EXPORT',
    nativeId,
    name: null,
    region: null,
    state: 'QUEUED',
    providerStatus: 'Pending',
    statusMessage: 'waiting',
    terminal: false,
    createdAt: null,
    updatedAt: null,
    completedAt: null,
    locationCode: 'NotReceived',
    ...patch,
  }) as JobRecord;
