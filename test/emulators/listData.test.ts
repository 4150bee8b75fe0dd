import { describe, expect, it } from 'vitest';
import {
  DEMO_JOBS as COS_DEMO_JOBS,
  ERROR_CASE_JOB_IDS as COS_ERRORS,
} from '@jobgraph/emulators/cosbatch/data';
import { cosListedJobs } from '@jobgraph/emulators/cosbatch/listData';
import { COS_PROGRESSING_JOB_ID } from '@jobgraph/emulators/cosbatch/progressing';
import {
  DEMO_JOBS as IMPORTEXPORT_DEMO_JOBS,
  ERROR_CASE_JOB_IDS as IMPORTEXPORT_ERRORS,
} from '@jobgraph/emulators/importexport/data';
import { importExportListedJobs } from '@jobgraph/emulators/importexport/listData';
import { IMPORTEXPORT_PROGRESSING_JOB_ID } from '@jobgraph/emulators/importexport/progressing';
import { LIST_WINDOW_MS } from '@jobgraph/emulators/listing';
import { OMICS_DEMO_JOBS, OMICS_ERROR_CASE_IDS } from '@jobgraph/emulators/omics/data';
import { omicsListedJobs } from '@jobgraph/emulators/omics/listData';
import { OMICS_PROGRESSING_RUNS } from '@jobgraph/emulators/omics/progressing';
import { PANORAMA_DEMO_JOBS, PANORAMA_ERROR_JOB_IDS } from '@jobgraph/emulators/panorama/data';
import { panoramaListedJobs } from '@jobgraph/emulators/panorama/listData';
import { PANORAMA_PROGRESSING_JOB_ID } from '@jobgraph/emulators/panorama/progressing';

/**
 * What every listable emulator's list demo data keeps to (each provider's list test checks its
 * statuses, counts and ties): every job created in the 90 days before the start, and job IDs that
 * are its own — none a describe fixture's, an error case's or the progressing job's, none twice.
 */

const START = Date.parse('2026-11-02T10:00:00.000Z');

interface ListData {
  name: string;
  /** Each listed job's ID and creation time in ms, for a start. */
  listed(startMs: number): { id: string; createdMs: number }[];
  /** The IDs the describe fixtures, the error cases and the progressing job use. */
  taken: string[];
}

const LIST_DATA: ListData[] = [
  {
    name: 'Panorama',
    listed: (startMs) =>
      panoramaListedJobs(startMs).map((j) => ({
        id: j.wire.JobId as string,
        createdMs: (j.wire.CreatedTime as number) * 1000,
      })),
    taken: [
      ...Object.keys(PANORAMA_DEMO_JOBS),
      ...Object.values(PANORAMA_ERROR_JOB_IDS),
      PANORAMA_PROGRESSING_JOB_ID,
    ],
  },
  {
    name: 'HealthOmics',
    listed: (startMs) =>
      omicsListedJobs(startMs).map((j) => ({ id: j.id, createdMs: Date.parse(j.creationTime) })),
    taken: [
      ...OMICS_DEMO_JOBS.map((j) => j.id),
      ...Object.values(OMICS_ERROR_CASE_IDS),
      OMICS_PROGRESSING_RUNS.idAt(Date.now()),
    ],
  },
  {
    name: 'COS Batch',
    listed: (startMs) =>
      cosListedJobs(startMs).map((j) => ({
        id: j.JobId as string,
        createdMs: Date.parse(j.CreationTime as string),
      })),
    taken: [...COS_DEMO_JOBS.keys(), ...Object.values(COS_ERRORS), COS_PROGRESSING_JOB_ID],
  },
  {
    name: 'Import/Export',
    listed: (startMs) =>
      importExportListedJobs(startMs).map((j) => ({
        id: j.JobId,
        createdMs: Date.parse(j.CreationDate as string),
      })),
    taken: [
      ...IMPORTEXPORT_DEMO_JOBS.map((j) => j.JobId),
      ...Object.values(IMPORTEXPORT_ERRORS),
      IMPORTEXPORT_PROGRESSING_JOB_ID,
    ],
  },
];

describe.each(LIST_DATA)('$name list demo data', (p) => {
  const jobs = p.listed(START);

  it('creates every job in the 90 days before the start', () => {
    for (const j of jobs)
      expect(j.createdMs > START - LIST_WINDOW_MS && j.createdMs < START).toBe(true);
  });

  it('shares no job ID with the describe fixtures, the error cases or the progressing job, and repeats none', () => {
    const taken = new Set(p.taken);
    for (const j of jobs) expect(taken.has(j.id)).toBe(false);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
  });
});
