import { cyclePhases, isoSeconds, phaseAt, type CyclePoint } from '../progress.ts';
import { artifacts, job, LOG_BUCKET, type WireGetStatusResult } from './data.ts';

/**
 * The progressing AWS Import/Export import job: `Pending` while AWS has not received the device,
 * `InProgress` while the device is at AWS, then `Complete` with the device returned (Carrier,
 * TrackingNumber, LogKey, ErrorCount and the job log artifact) until the cycle ends. Each phase
 * carries the ProgressMessage and LocationCode the demo writes for its ProgressCode. Its
 * signature, SIGNATURE file, manifest and presigned artifact URLs are secrets, as on every job.
 *
 * It starts again in place, under this one ID, each cycle. That is the demo's simplification, not
 * the service's way: each CreateJob makes a new JobId, so each run is a new job there too, and its timeline runs Complete → Pending at each cycle's start. The
 * demo gateway never caches it (`IN_PLACE_PROGRESSING_JOB_IDS`, src/app.ts), so every cycle is
 * read; making each run a new job, as batch/progressing.ts and omics/progressing.ts do with
 * `cycleRuns`, is still to do for it (the tests and the console's screenshots lean on its one ID).
 */
export const IMPORTEXPORT_PROGRESSING_JOB_ID = 'PRGS1';

export const IMPORTEXPORT_PROGRESS_PHASES = cyclePhases([
  ['Pending', 15_000],
  ['InProgress', 45_000],
  ['Complete', 60_000],
]);

/** The GetStatusResult at a point of the cycle, written by the same serializer as the static demo jobs. */
export function importExportProgressingJob(point: CyclePoint): WireGetStatusResult {
  const phase = phaseAt(IMPORTEXPORT_PROGRESS_PHASES, point.offsetMs);
  const id = IMPORTEXPORT_PROGRESSING_JOB_ID;
  const at = (extra: Partial<WireGetStatusResult>) =>
    job(id, 'Import', phase.providerStatus, isoSeconds(point.cycleStartMs), extra);
  switch (phase.providerStatus) {
    case 'Pending':
      return at({ ArtifactList: artifacts(id, 'label') });
    case 'InProgress':
      return at({
        LogBucket: LOG_BUCKET,
        ArtifactList: artifacts(id, 'label'),
      });
    default:
      return at({
        Carrier: 'UPS',
        TrackingNumber: '1Z9999W99999999997',
        LogBucket: LOG_BUCKET,
        LogKey: `importexport-logs/${id}/import-log-${id}.txt`,
        ErrorCount: 0,
        ArtifactList: artifacts(id, 'label', 'log'),
      });
  }
}
