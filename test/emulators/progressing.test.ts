import { BatchClient, DescribeJobsCommand, ListJobsCommand } from '@aws-sdk/client-batch';
import {
  DEMO_GLOBAL_IDS as BATCH_DEMO_GLOBAL_IDS,
  HIGH_PRIORITY_QUEUE,
} from '@jobgraph/emulators/batch/data';
import { createBatchEmulator } from '@jobgraph/emulators/batch/emulator';
import {
  BATCH_PROGRESSING_KEPT_CYCLES,
  BATCH_PROGRESSING_RUNS,
} from '@jobgraph/emulators/batch/progressing';
import { describe, expect, it } from 'vitest';
import { codePipelineProgressingJob } from '@jobgraph/emulators/codepipeline/progressing';
import { PROGRESSING_CREDENTIALS } from '@jobgraph/emulators/codepipeline/data';
import { COS_PROGRESSING_TASKS, cosProgressingJob } from '@jobgraph/emulators/cosbatch/progressing';
import { importExportProgressingJob } from '@jobgraph/emulators/importexport/progressing';
import {
  PROGRESS_CYCLE_MS,
  PROGRESS_PHASES,
  IN_PLACE_PROGRESSING_JOB_IDS,
  DEMO_DATA,
  isProgressingJobId,
  progressingJobIds,
} from '@jobgraph/emulators';
import { omicsProgressingJob } from '@jobgraph/emulators/omics/progressing';
import { panoramaProgressingJob } from '@jobgraph/emulators/panorama/progressing';
import { cyclePhases, cyclePoint } from '@jobgraph/emulators/progress';
import { parseGlobalId } from '../../src/model/globalId.ts';
import { LIST_START, useListHarness } from './listHarness.ts';

/**
 * Issue 13, Demo: each emulator has one job that moves through its provider's real states over a
 * one-minute cycle and then starts again, as a pure function of the emulator's clock and epoch.
 * The tests set the clock; nothing waits for time to pass.
 */

const EPOCH = Date.UTC(2026, 10, 22, 12, 0, 0);
/** Every 250 ms across two cycles, and a little into the third. */
const OFFSETS = Array.from({ length: (2 * PROGRESS_CYCLE_MS) / 250 + 8 }, (_, i) => i * 250);
const at = (offsetMs: number) => cyclePoint(EPOCH + offsetMs, EPOCH);

/** The documented status sequence of each job within one cycle (written out, not read from the code). */
const SEQUENCES = {
  panorama: ['PENDING', 'SUCCEEDED'],
  omics: ['SUBMITTED', 'IN_PROGRESS', 'COMPLETED'],
  cosbatch: ['New', 'Preparing', 'Ready', 'Active', 'Completing', 'Complete'],
  importexport: ['Pending', 'InProgress', 'Complete'],
} as const;

/** Each sample's status, cut into cycles; consecutive repeats collapsed. */
function runs(status: (offsetMs: number) => string): string[][] {
  const cycles: string[][] = [];
  for (const offset of OFFSETS) {
    const cycle = Math.floor(offset / PROGRESS_CYCLE_MS);
    const seen = (cycles[cycle] ??= []);
    const s = status(offset);
    if (seen.at(-1) !== s) seen.push(s);
  }
  return cycles;
}

describe('The progressing demo jobs, by the emulators’ clock', () => {
  it('cover a cycle with phases that start at 0, touch end to end and end at PROGRESS_CYCLE_MS', () => {
    for (const phases of Object.values(PROGRESS_PHASES)) {
      expect(phases[0]?.fromMs).toBe(0);
      expect(phases.at(-1)?.toMs).toBe(PROGRESS_CYCLE_MS);
      for (let i = 1; i < phases.length; i++) expect(phases[i]?.fromMs).toBe(phases[i - 1]?.toMs);
    }
  });

  it('are built end to end from each phase’s end, and refuse ends that do not rise to the cycle’s end', () => {
    expect(
      cyclePhases([
        ['A', 10_000],
        ['B', PROGRESS_CYCLE_MS],
      ]),
    ).toEqual([
      { providerStatus: 'A', fromMs: 0, toMs: 10_000 },
      { providerStatus: 'B', fromMs: 10_000, toMs: PROGRESS_CYCLE_MS },
    ]);
    expect(() =>
      cyclePhases([
        ['A', 10_000],
        ['B', 10_000],
        ['C', PROGRESS_CYCLE_MS],
      ]),
    ).toThrow(RangeError);
    expect(() =>
      cyclePhases([
        ['A', 0],
        ['B', PROGRESS_CYCLE_MS],
      ]),
    ).toThrow(RangeError);
    expect(() => cyclePhases([['A', 10_000]])).toThrow(RangeError);
  });

  it('place a time in its cycle, before the epoch too', () => {
    expect(cyclePoint(EPOCH, EPOCH)).toEqual({ cycle: 0, cycleStartMs: EPOCH, offsetMs: 0 });
    expect(cyclePoint(EPOCH + PROGRESS_CYCLE_MS + 1, EPOCH)).toEqual({
      cycle: 1,
      cycleStartMs: EPOCH + PROGRESS_CYCLE_MS,
      offsetMs: 1,
    });
    expect(cyclePoint(EPOCH - 1, EPOCH)).toEqual({
      cycle: -1,
      cycleStartMs: EPOCH - PROGRESS_CYCLE_MS,
      offsetMs: PROGRESS_CYCLE_MS - 1,
    });
  });

  it('Panorama: PENDING then SUCCEEDED in every cycle; Output and the success message only once SUCCEEDED; times from the cycle start', () => {
    expect(runs((o) => panoramaProgressingJob(at(o)).wire.Status as string)).toEqual([
      SEQUENCES.panorama,
      SEQUENCES.panorama,
      ['PENDING'],
    ]);
    for (const o of OFFSETS) {
      const { wire } = panoramaProgressingJob(at(o));
      const point = at(o);
      expect(wire.CreatedTime).toBe(point.cycleStartMs / 1000);
      expect(wire.LastUpdatedTime as number).toBeGreaterThanOrEqual(wire.CreatedTime as number);
      expect(wire.LastUpdatedTime as number).toBeLessThanOrEqual((EPOCH + o) / 1000);
      expect('Output' in wire).toBe(wire.Status === 'SUCCEEDED');
      expect(wire.StatusMessage).toBe(
        wire.Status === 'SUCCEEDED'
          ? 'Package version 1.0 of line_counter was imported.'
          : 'Import job is pending.',
      );
    }
  });

  it('Omics: SUBMITTED → IN_PROGRESS → COMPLETED; sources finish one by one and never go back within a cycle', () => {
    expect(runs((o) => omicsProgressingJob(at(o)).status)).toEqual([
      SEQUENCES.omics,
      SEQUENCES.omics,
      ['SUBMITTED'],
    ]);
    const rank = { NOT_STARTED: 0, IN_PROGRESS: 1, FINISHED: 2 } as Record<string, number>;
    let previous: number[] | null = null;
    const finishedCounts = new Set<number>();
    for (const o of OFFSETS) {
      const job = omicsProgressingJob(at(o));
      const ranks = job.sources.map((s) => rank[s.status] as number);
      if (o % PROGRESS_CYCLE_MS === 0) previous = null;
      if (previous)
        ranks.forEach((r, k) => expect(r).toBeGreaterThanOrEqual(previous?.[k] as number));
      previous = ranks;
      // One source at a time: never two IN_PROGRESS, and sources finish in order.
      expect(ranks.filter((r) => r === 1).length).toBeLessThanOrEqual(1);
      expect([...ranks].sort((a, b) => b - a)).toEqual(ranks);
      for (const s of job.sources) expect('referenceId' in s).toBe(s.status === 'FINISHED');
      finishedCounts.add(ranks.filter((r) => r === 2).length);
      if (job.status === 'SUBMITTED') expect(ranks).toEqual([0, 0, 0]);
      if (job.status === 'COMPLETED') {
        expect(ranks).toEqual([2, 2, 2]);
        expect(job.completionTime).toBeDefined();
        expect(Date.parse(job.completionTime as string)).toBeGreaterThan(
          Date.parse(job.creationTime),
        );
      } else expect(job.completionTime).toBeUndefined();
    }
    expect([...finishedCounts].sort()).toEqual([0, 1, 2, 3]);
  });

  it('COS Batch: New → Preparing → Ready → Active → Completing → Complete, task counts growing and known from Ready on', () => {
    expect(runs((o) => cosProgressingJob(at(o)).Status as string)).toEqual([
      SEQUENCES.cosbatch,
      SEQUENCES.cosbatch,
      ['New'],
    ]);
    let previous = -1;
    const seenCounts = new Set<number>();
    for (const o of OFFSETS) {
      const job = cosProgressingJob(at(o));
      const summary = job.ProgressSummary as Record<string, number>;
      if (o % PROGRESS_CYCLE_MS === 0) previous = -1;
      expect(summary.NumberOfTasksSucceeded).toBeGreaterThanOrEqual(previous);
      previous = summary.NumberOfTasksSucceeded as number;
      seenCounts.add(previous);
      expect(summary.NumberOfTasksFailed).toBe(0);
      expect(summary.TotalNumberOfTasks).toBe(
        ['New', 'Preparing'].includes(job.Status as string) ? 0 : COS_PROGRESSING_TASKS,
      );
      expect(summary.NumberOfTasksSucceeded).toBeLessThanOrEqual(
        summary.TotalNumberOfTasks as number,
      );
      const complete = job.Status === 'Complete';
      expect('TerminationDate' in job).toBe(complete);
      expect('FailureReasons' in job).toBe(complete);
      if (job.Status === 'Ready') expect(summary.NumberOfTasksSucceeded).toBe(0);
      if (job.Status === 'Completing' || complete)
        expect(summary.NumberOfTasksSucceeded).toBe(COS_PROGRESSING_TASKS);
    }
    // It grows in steps while Active, not in one jump.
    expect(seenCounts.size).toBeGreaterThan(20);
  });

  it('Import/Export: Pending (not received) → InProgress (at AWS) → Complete (returned, with carrier and tracking number)', () => {
    expect(runs((o) => importExportProgressingJob(at(o)).ProgressCode as string)).toEqual([
      SEQUENCES.importexport,
      SEQUENCES.importexport,
      ['Pending'],
    ]);
    const location = {
      Pending: 'NotReceived',
      InProgress: 'AtAWS',
      Complete: 'Returned',
    } as Record<string, string>;
    for (const o of OFFSETS) {
      const job = importExportProgressingJob(at(o));
      expect(job.LocationCode).toBe(location[job.ProgressCode as string]);
      expect(job.Carrier !== undefined).toBe(job.ProgressCode === 'Complete');
      expect(job.ErrorCount !== undefined).toBe(job.ProgressCode === 'Complete');
      // Its secrets are there in every phase (so the secret walkers find them).
      expect(job.Signature).toMatch(/^DEMO-SIGNATURE-PRGS1-/);
      expect(job.ArtifactList?.every((a) => a.URL?.includes('X-Amz-Signature=DEMOSIG'))).toBe(true);
    }
  });

  it('CodePipeline: no status on the wire; a new artifact-credentials session every 15 s, the same four every cycle', () => {
    const sessions = runs(
      (o) => codePipelineProgressingJob(at(o)).data?.artifactCredentials?.sessionToken as string,
    );
    const tokens = PROGRESSING_CREDENTIALS.map((c) => c.sessionToken);
    expect(sessions).toEqual([tokens, tokens, [tokens[0]]]);
    const job = codePipelineProgressingJob(at(0));
    expect(Object.keys(job)).toEqual(['id', 'accountId', 'data']);
    expect(DEMO_DATA.codepipeline.DEMO_SECRET_VALUES).toEqual(
      expect.arrayContaining(PROGRESSING_CREDENTIALS.flatMap((c) => Object.values(c))),
    );
  });

  it('keep one global ID where the job starts again in place; AWS Batch’s and HealthOmics’ are a new job each cycle, the ID made from the cycle’s start', () => {
    expect(IN_PLACE_PROGRESSING_JOB_IDS).toEqual({
      panorama: 'panorama:us-east-1:pkgimport-demo-progressing',
      cosbatch: 'cos:ap-guangzhou:100000000001:5e1f0a9d-7c3b-4e2a-9f6d-0a1b2c3d4e99',
      importexport: 'importexport:PRGS1',
      codepipeline: 'codepipeline:us-east-1:c0de0100-7e57-4b1d-8a11-000000000100',
    });
    const first = progressingJobIds(EPOCH + 30_000, EPOCH);
    const second = progressingJobIds(EPOCH + PROGRESS_CYCLE_MS + 30_000, EPOCH);
    // EPOCH is 2026-11-22T12:00:00Z, 1795348800000 ms (0x01a20320a200); a minute on, 0x01a203218c60.
    expect(first).toEqual({
      ...IN_PLACE_PROGRESSING_JOB_IDS,
      omics: 'omics:us-east-1:5038720581:811039401795348800000',
      batch: 'batch:us-east-1:b90ae323-36f2-4688-beee-01a20320a200',
    });
    expect(second).toEqual({
      ...IN_PLACE_PROGRESSING_JOB_IDS,
      omics: 'omics:us-east-1:5038720581:811039401795348860000',
      batch: 'batch:us-east-1:b90ae323-36f2-4688-beee-01a203218c60',
    });
    // The whole cycle is one job.
    expect(progressingJobIds(EPOCH, EPOCH)).toEqual(first);
    expect(progressingJobIds(EPOCH + PROGRESS_CYCLE_MS - 1, EPOCH)).toEqual(first);
    const statics = new Set([
      ...Object.values(DEMO_DATA).flatMap((d) => d.DEMO_GLOBAL_IDS),
      ...BATCH_DEMO_GLOBAL_IDS,
    ]);
    for (const id of [...Object.values(first), second.batch, second.omics]) {
      expect(() => parseGlobalId(id)).not.toThrow();
      expect(statics.has(id)).toBe(false);
      expect(isProgressingJobId(id)).toBe(true);
    }
    for (const id of statics) expect(isProgressingJobId(id)).toBe(false);
  });
});

describe('AWS Batch’s progressing job through @aws-sdk/client-batch: a new job each run, as on Batch', () => {
  const harness = useListHarness();
  const batch = harness.use(() =>
    harness.start(createBatchEmulator({ now: () => harness.now, epochMs: LIST_START })),
  );
  /** A client signing at the harness's clock as it stands now. */
  const client = () => harness.client(new BatchClient(harness.sdkOptions(batch)));
  const describeIds = async (ids: string[]) =>
    (await client().send(new DescribeJobsCommand({ jobs: ids }))).jobs ?? [];
  const listProgressing = async (jobStatus?: string) =>
    (
      await client().send(
        new ListJobsCommand({
          jobQueue: HIGH_PRIORITY_QUEUE.jobQueueName,
          ...(jobStatus
            ? { jobStatus: jobStatus as never }
            : { filters: [{ name: 'JOB_NAME', values: ['align-progressing'] }] }),
        }),
      )
    ).jobSummaryList ?? [];
  const cycleId = (cycle: number) =>
    BATCH_PROGRESSING_RUNS.idAt(LIST_START + cycle * PROGRESS_CYCLE_MS);

  it('runs the second cycle as a second job; the first answers SUCCEEDED in DescribeJobs and ListJobs', async () => {
    harness.now = LIST_START + 30_000;
    const [running] = await describeIds([cycleId(0)]);
    expect(running).toMatchObject({ jobId: cycleId(0), status: 'RUNNING' });
    expect((await listProgressing()).map((j) => j.jobId)).toEqual([cycleId(0)]);
    // The next cycle is another job; the first stays as it finished.
    harness.now = LIST_START + PROGRESS_CYCLE_MS + 30_000;
    const [first, second] = await describeIds([cycleId(0), cycleId(1)]);
    expect(first).toMatchObject({
      jobId: cycleId(0),
      jobName: 'align-progressing',
      status: 'SUCCEEDED',
      createdAt: LIST_START,
      stoppedAt: LIST_START + 44_000,
    });
    expect(second).toMatchObject({
      jobId: cycleId(1),
      status: 'RUNNING',
      createdAt: LIST_START + PROGRESS_CYCLE_MS,
    });
    expect(second?.stoppedAt).toBeUndefined();
    // Newest first: this run, then the finished one, each in its state.
    expect((await listProgressing()).map((j) => [j.jobId, j.status])).toEqual([
      [cycleId(1), 'RUNNING'],
      [cycleId(0), 'SUCCEEDED'],
    ]);
    expect((await listProgressing('SUCCEEDED')).map((j) => j.jobId)).toContain(cycleId(0));
    expect((await listProgressing('RUNNING')).map((j) => j.jobId)).not.toContain(cycleId(0));
  });

  it(`keeps the last ${BATCH_PROGRESSING_KEPT_CYCLES} finished runs, none from before the epoch or after now`, async () => {
    const cycles = BATCH_PROGRESSING_KEPT_CYCLES + 2;
    harness.now = LIST_START + cycles * PROGRESS_CYCLE_MS + 1_000;
    const listed = (await listProgressing()).map((j) => j.jobId);
    const kept = Array.from({ length: BATCH_PROGRESSING_KEPT_CYCLES }, (_, k) =>
      cycleId(cycles - 1 - k),
    );
    expect(listed).toEqual([cycleId(cycles), ...kept]);
    expect((await describeIds(kept)).map((j) => j.status)).toEqual(kept.map(() => 'SUCCEEDED'));
    // Forgotten past the bound, as Batch forgets old jobs; never made before the epoch or ahead of the clock.
    expect(await describeIds([cycleId(0), cycleId(1), cycleId(-1), cycleId(cycles + 1)])).toEqual(
      [],
    );
  });
});
