import { afterAll, describe, expect, it } from 'vitest';
import { batch } from '../../src/datasources/batch/index.ts';
import { codePipeline } from '../../src/datasources/codepipeline/index.ts';
import { cosBatch } from '../../src/datasources/cosbatch/index.ts';
import { importExport } from '../../src/datasources/importexport/index.ts';
import { omics } from '../../src/datasources/omics/index.ts';
import { panorama } from '../../src/datasources/panorama/index.ts';
import { factsOf, PROVIDERS } from '../../src/datasources/registry.ts';
import type { AnyProvider } from '../../src/datasources/shared/provider.ts';
import { createSource } from '../../src/datasources/shared/source.ts';
import * as batchData from '@jobgraph/emulators/batch/data';
import { createBatchEmulator } from '@jobgraph/emulators/batch/emulator';
import * as codePipelineData from '@jobgraph/emulators/codepipeline/data';
import { createCodePipelineEmulator } from '@jobgraph/emulators/codepipeline/emulator';
import * as cosBatchData from '@jobgraph/emulators/cosbatch/data';
import { createCosBatchEmulator } from '@jobgraph/emulators/cosbatch/emulator';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import * as importExportData from '@jobgraph/emulators/importexport/data';
import { createImportExportEmulator } from '@jobgraph/emulators/importexport/emulator';
import * as omicsData from '@jobgraph/emulators/omics/data';
import { createOmicsEmulator } from '@jobgraph/emulators/omics/emulator';
import * as panoramaData from '@jobgraph/emulators/panorama/data';
import { createPanoramaEmulator } from '@jobgraph/emulators/panorama/emulator';
import type { JobFacts } from '../../src/model/facts.ts';
import { parseGlobalId, type JobKey } from '../../src/model/globalId.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { DEMO_COS_SIGNING, oneAttempt } from '../support/oneAttempt.ts';
import { useEmulator } from '../support/useEmulator.ts';

/**
 * Each provider's facts (`Provider.facts`) of its emulator's demo jobs, read over HTTP by its own
 * source as the gateway reads them: what the history stores and searches, what a rule's text
 * filter reads, and the evidence its failure names, one reader for all three.
 */

const emulators = {
  batch: useEmulator(() => createBatchEmulator()),
  codePipeline: useEmulator(() => createCodePipelineEmulator()),
  cosBatch: useEmulator(() => createCosBatchEmulator()),
  importExport: useEmulator(() => createImportExportEmulator()),
  omics: useEmulator(() => createOmicsEmulator()),
  panorama: useEmulator(() => createPanoramaEmulator()),
};
const opened: { close?(): void }[] = [];
afterAll(() => {
  for (const s of opened) s.close?.();
});

/** The demo job of `globalId` as the provider's own source reads it from its emulator. */
async function read(provider: AnyProvider, url: string, globalId: string): Promise<JobRecord> {
  const credentials =
    provider.name === 'TENCENT_COS_BATCH'
      ? DEMO_COS_SIGNING
      : { credentials: DEMO_AWS_CREDENTIALS };
  const source = createSource(
    provider as never,
    {
      ...oneAttempt(),
      ...credentials,
      endpoint: url,
    } as never,
  ) as { fetchJob(key: JobKey): Promise<JobRecord>; close?(): void };
  opened.push(source);
  return source.fetchJob(parseGlobalId(globalId));
}

/** The lines a failure's evidence shows (`field: value`). */
const lines = (facts: JobFacts) => facts.evidence.map((e) => `${e.field}: ${String(e.value)}`);

/** A demo job's record, its provider's facts of it, and its failure's evidence lines. */
async function demo(provider: AnyProvider, url: string, globalId: string) {
  const record = await read(provider, url, globalId);
  const facts = provider.facts(record);
  // One reader for the three: the registry's, the provider's, and the failure's evidence.
  expect(factsOf(record)).toEqual(facts);
  const failure = provider.failure(record);
  if (failure) expect(failure.evidence).toEqual(lines(facts));
  return { record, facts, failure };
}

const idOf = (ids: readonly string[], jobId: string) => ids.find((id) => id.endsWith(`:${jobId}`))!;

describe('A provider’s facts of its emulator’s demo jobs', () => {
  it('AWS Batch: its jobName, jobQueue and status reason, its start and stop, its attempt’s evidence', async () => {
    const id = batchData.batchGlobalId(batchData.BATCH_JOB_IDS.failed);
    const { record, facts, failure } = await demo(batch, emulators.batch.url, id);
    const r = record as JobRecord & { startedAt: string; stoppedAt: string };
    expect(facts).toEqual({
      name: 'align-NA12891',
      queue: 'arn:aws:batch:us-east-1:123456789012:job-queue/genomics-high-priority',
      message: 'Essential container in task exited',
      createdAt: r.createdAt,
      startedAt: r.startedAt,
      stoppedAt: r.stoppedAt,
      evidence: expect.any(Array),
    });
    expect([r.createdAt, r.startedAt, r.stoppedAt].every((t) => typeof t === 'string')).toBe(true);
    expect(lines(facts)).toEqual([
      'attempts[0].statusReason: Essential container in task exited',
      'attempts[0].container.exitCode: 1',
      'statusReason: Essential container in task exited',
      'container.reason: Essential container in task exited',
      'container.exitCode: 1',
    ]);
    expect(failure?.category).toBe('USER_CODE');
  });

  it('AWS Batch: a list row in record form (no header name, no attempts) by its own fields', () => {
    const row = {
      provider: 'AWS_BATCH',
      state: 'FAILED',
      jobName: 'nightly-etl',
      jobQueue: 'q-big',
      statusReason: 'Host EC2 (instance i-0123456789abcdef0) terminated.',
      startedAt: '2026-11-01T00:01:00.000Z',
      stoppedAt: '2026-11-01T00:02:00.000Z',
    } as unknown as JobRecord;
    expect(factsOf(row)).toEqual({
      name: 'nightly-etl',
      queue: 'q-big',
      message: 'Host EC2 (instance i-0123456789abcdef0) terminated.',
      createdAt: null,
      startedAt: '2026-11-01T00:01:00.000Z',
      stoppedAt: '2026-11-01T00:02:00.000Z',
      evidence: [
        { field: 'statusReason', value: 'Host EC2 (instance i-0123456789abcdef0) terminated.' },
      ],
    });
  });

  it('COS Batch: its description as its name, its status message, its failure reasons', async () => {
    const id = idOf(cosBatchData.DEMO_GLOBAL_IDS, cosBatchData.DEMO_JOB_IDS.failed);
    const { record, facts } = await demo(cosBatch, emulators.cosBatch.url, id);
    expect(facts).toMatchObject({
      name: 'Copy from a deleted manifest',
      queue: null,
      message: 'Job failed',
      createdAt: record.createdAt,
      startedAt: null,
      stoppedAt: record.completedAt,
    });
    expect(record.completedAt).toEqual(expect.any(String));
    expect(lines(facts)).toEqual([
      'failureReasons[0].failureCode: ManifestNotFound',
      'failureReasons[0].failureReason: The manifest object does not exist.',
      'failureReasons[1].failureCode: ReportNotWritten',
      'failureReasons[1].failureReason: The completion report could not be written.',
    ]);
  });

  const panoramaMessage =
    'Package version 1.1 of object_detector already exists and cannot be overwritten.';
  it.each([
    {
      title: 'Import/Export: no name or queue, its progress message, its progress code as evidence',
      provider: importExport,
      emulator: 'importExport' as const,
      id: idOf(importExportData.DEMO_GLOBAL_IDS, 'DVER1'),
      name: null,
      message: 'The device could not be read.',
      stopped: false,
      evidence: ['progressCode: DeviceError', 'progressMessage: The device could not be read.'],
      category: null,
    },
    {
      title:
        'HealthOmics: the reference it imports as its name, the job’s and each source’s message',
      provider: omics,
      emulator: 'omics' as const,
      id: idOf(omicsData.DEMO_GLOBAL_IDS, '8110394862'),
      name: 'broken-reference',
      message: 'All sources failed to import.',
      stopped: true,
      evidence: [
        'statusMessage: All sources failed to import.',
        'sources[0].statusMessage: The source file is not a valid FASTA file.',
      ],
      category: null,
    },
    {
      title: 'Panorama: no name or queue, its status message, the same as evidence',
      provider: panorama,
      emulator: 'panorama' as const,
      id: idOf(panoramaData.DEMO_GLOBAL_IDS, 'pkgimport-b71d3f5a9e0c2864'),
      name: null,
      message: panoramaMessage,
      stopped: true,
      evidence: [`statusMessage: ${panoramaMessage}`],
      category: 'UNKNOWN',
    },
  ])('$title', async ({ provider, emulator, id, name, message, stopped, evidence, category }) => {
    const { record, facts, failure } = await demo(provider, emulators[emulator].url, id);
    expect(facts).toMatchObject({
      name,
      queue: null,
      message,
      createdAt: record.createdAt,
      stoppedAt: stopped ? record.completedAt : null,
    });
    expect(lines(facts)).toEqual(evidence);
    // A failure, of `category` where the row names one.
    expect(failure).not.toBeNull();
    if (category) expect(failure?.category).toBe(category);
  });

  it('CodePipeline: its pipeline’s name, nothing else (GetJobDetails has no status or times)', async () => {
    const { facts, failure } = await demo(
      codePipeline,
      emulators.codePipeline.url,
      codePipelineData.EXAMPLE_GLOBAL_ID,
    );
    expect(facts).toEqual({
      name: 'storefront-release',
      queue: null,
      message: null,
      createdAt: null,
      startedAt: null,
      stoppedAt: null,
      evidence: [],
    });
    expect(failure).toBeNull();
  });

  it('is a member of every provider of the registry; a record of none reads its header alone', () => {
    for (const provider of PROVIDERS) expect(typeof provider.facts).toBe('function');
    const stranger = {
      provider: 'ELSEWHERE',
      name: 'n',
      statusMessage: '',
      createdAt: '2026-01-01T00:00:00.000Z',
    } as unknown as JobRecord;
    expect(factsOf(stranger)).toEqual({
      name: 'n',
      queue: null,
      message: null,
      createdAt: '2026-01-01T00:00:00.000Z',
      startedAt: null,
      stoppedAt: null,
      evidence: [],
    });
  });
});
