import {
  DescribePackageImportJobCommand,
  PanoramaClient,
  paginateListPackageImportJobs,
  type PackageImportJob,
} from '@aws-sdk/client-panorama';
import {
  GetReferenceImportJobCommand,
  OmicsClient,
  paginateListReferenceImportJobs,
  type ImportReferenceFilter,
  type ImportReferenceJobItem,
} from '@aws-sdk/client-omics';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  emulatorJobsPerSource,
  loadConfig,
  unknownVariableWarnings,
} from '../../src/config/index.ts';
import {
  DEMO_BATCH_QUEUE_NAMES,
  DEMO_OMICS_REFERENCE_STORE_IDS,
  MAX_JOBS_PER_SOURCE,
  isProgressingJobId,
  exampleGlobalIds,
  listedDemoJobs,
  startEmulators,
  type EmulatorSet,
  type ListedDemoJob,
} from '@jobgraph/emulators';
import {
  DEMO_AWS_CREDENTIALS,
  DEMO_TENCENT_CREDENTIALS,
  type RunningEmulator,
} from '@jobgraph/emulators/framework';
import { LIST_WINDOW_MS } from '@jobgraph/emulators/listing';
import { COS_PROGRESSING_JOB_ID } from '@jobgraph/emulators/cosbatch/progressing';
import { IMPORTEXPORT_PROGRESSING_JOB_ID } from '@jobgraph/emulators/importexport/progressing';
import { OMICS_PROGRESSING_RUNS } from '@jobgraph/emulators/omics/progressing';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { OMICS_DEMO_BATCHES, OMICS_DEMO_BATCH_RUNS } from '@jobgraph/emulators/omics/runBatchData';
import { PANORAMA_PROGRESSING_JOB_ID } from '@jobgraph/emulators/panorama/progressing';
import { startTestGateway } from '../support/gateway.ts';
import { importExportCall, signAt, signedCos } from './listClient.ts';
import { cosMemberOf, omicsItemOf, panoramaSummaryOf } from './listSummaries.ts';

/**
 * A big account (`startEmulators({ jobsPerSource })`, JOBGRAPH_EMULATOR_JOBS_PER_SOURCE): every
 * listable source holds N jobs, walked here through each provider's real paging (the AWS SDK
 * clients for Panorama and HealthOmics, signed raw requests for COS Batch and Import/Export),
 * each job describable as its summary says.
 */

const START = Date.parse('2026-11-02T10:00:00.000Z');
const N = 3000;
signAt(() => START);
const MAIN_STORE = DEMO_OMICS_REFERENCE_STORE_IDS[0] as string;
const COS = DEMO_TENCENT_CREDENTIALS;
const controlHost = (region: string) => `${COS.uin}.cos-control.${region}.myqcloud.com`;

let set: EmulatorSet;
const clients: { destroy(): void }[] = [];
beforeAll(async () => {
  set = await startEmulators({ now: () => START, jobsPerSource: N });
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await set.close();
});

/** The native job IDs of a provider's expected list (its demo sources), with the progressing job. */
function expectedIds(jobs: ListedDemoJob[], progressing: string): Set<string> {
  return new Set([
    ...jobs.map((j) => j.globalId.slice(j.globalId.lastIndexOf(':') + 1)),
    progressing,
  ]);
}

/** No repeat, no gap: the walk is exactly the source. */
function expectExactly(walked: string[], expected: Set<string>) {
  expect(walked).toHaveLength(expected.size);
  expect(new Set(walked).size).toBe(walked.length);
  expect(new Set(walked)).toEqual(expected);
}

/** Every `step`th item and the last: a sample to describe. */
function sample<T>(items: T[], step = 150): T[] {
  return [...items.filter((_, i) => i % step === 0), items.at(-1) as T];
}

const all = listedDemoJobs(START, { jobsPerSource: N });
/**
 * The big account's generated jobs: each provider's first kind. HealthOmics' workflow runs and run
 * batches are the demo's own (ListRuns and ListBatch list them in a big account too), apart.
 */
const expected = { ...all, omics: all.omics.filter((j) => j.globalId.startsWith('omics:')) };

describe('A big account’s data (jobsPerSource)', () => {
  it('holds N jobs in every demo source, the progressing job counted, over the 90 days before the start', () => {
    expect(expected.panorama).toHaveLength(N - 1);
    expect(expected.cosbatch).toHaveLength(N - 1);
    expect(expected.importexport).toHaveLength(N - 1);
    expect(expected.omics).toHaveLength(2 * N - 1);
    expect(all.omics.filter((j) => !j.globalId.startsWith('omics:')).length).toBe(
      OMICS_DEMO_RUNS.length + OMICS_DEMO_BATCH_RUNS.length + OMICS_DEMO_BATCHES.length,
    );
    expect(expected.batch).toHaveLength(DEMO_BATCH_QUEUE_NAMES.length * N - 1);
    for (const jobs of Object.values(expected))
      for (const j of jobs) {
        const ms = Date.parse(j.createdAt);
        expect(ms > START - LIST_WINDOW_MS && ms < START).toBe(true);
      }
  });

  it('is the same for the same N, relative to the start', () => {
    const shifted = listedDemoJobs(START + 86_400_000, { jobsPerSource: N });
    const later = {
      ...shifted,
      omics: shifted.omics.filter((j) => j.globalId.startsWith('omics:')),
    };
    for (const name of ['panorama', 'omics', 'cosbatch', 'importexport'] as const) {
      expect(later[name].map((j) => j.globalId)).toEqual(expected[name].map((j) => j.globalId));
      expect(later[name].map((j) => j.providerStatus)).toEqual(
        expected[name].map((j) => j.providerStatus),
      );
      expect(later[name].map((j) => Date.parse(j.createdAt) - 86_400_000)).toEqual(
        expected[name].map((j) => Date.parse(j.createdAt)),
      );
    }
  });

  it('has every status of each provider, the unfinished ones the newest', () => {
    const mix = {
      panorama: { unfinished: ['PENDING'], all: 3 },
      omics: { unfinished: ['SUBMITTED', 'IN_PROGRESS', 'CANCELLING'], all: 7 },
      cosbatch: {
        unfinished: [
          'New',
          'Preparing',
          'Suspended',
          'Ready',
          'Active',
          'Pausing',
          'Paused',
          'Completing',
          'Failing',
          'Cancelling',
        ],
        all: 13,
      },
      importexport: { unfinished: ['Pending', 'Started', 'InProgress'], all: 14 },
    };
    for (const [name, { unfinished, all }] of Object.entries(mix)) {
      // Omics: per store; the others have one demo source.
      const sources =
        name === 'omics'
          ? DEMO_OMICS_REFERENCE_STORE_IDS.map((store) =>
              expected.omics.filter((j) => j.globalId.includes(`:${store}:`)),
            )
          : [expected[name as keyof typeof expected]];
      for (const jobs of sources) {
        const counts = new Map<string, number>();
        for (const j of jobs) counts.set(j.providerStatus, (counts.get(j.providerStatus) ?? 0) + 1);
        expect([name, counts.size]).toEqual([name, all]);
        const open = jobs.filter((j) => unfinished.includes(j.providerStatus)).length;
        // A few percent under way, and those are the newest.
        expect(open / jobs.length).toBeLessThan(0.05);
        expect(jobs.slice(0, open).every((j) => unfinished.includes(j.providerStatus))).toBe(true);
      }
    }
  });

  it('shares no ID with the demo data: the example jobs and the progressing jobs stay', () => {
    const all = new Set(Object.values(expected).flatMap((jobs) => jobs.map((j) => j.globalId)));
    // No ID twice, across every listed provider's sources (the progressing jobs counted apart).
    expect(all.size).toBe(Object.values(expected).flat().length);
    for (const id of Object.values(exampleGlobalIds())) expect(all.has(id)).toBe(false);
    for (const id of all) expect(isProgressingJobId(id)).toBe(false);
  });

  it('refuses a jobsPerSource outside 1..100000 before starting anything', async () => {
    expect(MAX_JOBS_PER_SOURCE).toBe(100_000);
    for (const jobsPerSource of [0, MAX_JOBS_PER_SOURCE + 1, 2.5, Number.NaN])
      await expect(startEmulators({ jobsPerSource })).rejects.toThrow(RangeError);
  });
});

describe('JOBGRAPH_EMULATOR_JOBS_PER_SOURCE', () => {
  const NAME = 'JOBGRAPH_EMULATOR_JOBS_PER_SOURCE';

  it('is read as a whole number, null when unset, and known to the configuration', () => {
    expect(loadConfig({ mode: 'demo' }, { [NAME]: '3000' }).emulatorJobsPerSource).toBe(3000);
    expect(loadConfig({ mode: 'demo' }, {}).emulatorJobsPerSource).toBeNull();
    expect(emulatorJobsPerSource({ [NAME]: ' 1 ' })).toBe(1);
    expect(emulatorJobsPerSource({ [NAME]: '100000' })).toBe(100_000);
    expect(emulatorJobsPerSource({})).toBeNull();
    expect(unknownVariableWarnings({ [NAME]: '3000' })).toEqual([]);
  });

  it('refuses anything else with one line naming it', () => {
    for (const value of ['0', '100001', 'lots', '-5', '2.5', '3e3']) {
      let thrown: unknown;
      try {
        emulatorJobsPerSource({ [NAME]: value });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      const message = (thrown as ConfigError).message;
      expect(message).toMatch(
        new RegExp(`^${NAME}: must be (a whole number )?between 1 and 100000$`),
      );
      expect(() => loadConfig({ mode: 'demo' }, { [NAME]: value })).toThrow(message);
    }
  });

  it('makes the demo’s emulators a big account (startDemo reads it from its env)', async () => {
    const gateway = await startTestGateway(
      { [NAME]: '40' },
      { emulatorClock: { now: () => START } },
    );
    try {
      const page = await importExportCall(gateway.emulators.importexport, { Action: 'ListJobs' });
      expect([...page.body.matchAll(/<JobId>/g)]).toHaveLength(40);
      expect(gateway.config.emulatorJobsPerSource).toBe(40);
    } finally {
      await gateway.close();
    }
  });
});

function panorama(emu: RunningEmulator, region = 'us-east-1'): PanoramaClient {
  const client = new PanoramaClient({
    region,
    endpoint: emu.url,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    maxAttempts: 1,
    systemClockOffset: START - Date.now(),
  });
  clients.push(client);
  return client;
}

/** Every summary of a region through the SDK paginator at the largest page (25), and the page count. */
async function walkPanorama(region: string) {
  const jobs: PackageImportJob[] = [];
  let pages = 0;
  for await (const page of paginateListPackageImportJobs(
    { client: panorama(set.panorama, region), pageSize: 25 },
    {},
  )) {
    pages += 1;
    expect(page.PackageImportJobs?.length).toBeLessThanOrEqual(25);
    jobs.push(...(page.PackageImportJobs ?? []));
  }
  return { jobs, pages };
}

describe('Panorama ListPackageImportJobs in a big account', () => {
  let home: Awaited<ReturnType<typeof walkPanorama>>;
  beforeAll(async () => {
    home = await walkPanorama('us-east-1');
  });

  it('walks all 3000 jobs of the demo region in 120 pages of 25, oldest first, without a repeat or a gap', () => {
    expect(home.pages).toBe(120);
    expectExactly(
      home.jobs.map((j) => j.JobId as string),
      expectedIds(expected.panorama, PANORAMA_PROGRESSING_JOB_ID),
    );
    const times = home.jobs.map((j) => (j.CreatedTime as Date).getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
  });

  it('describes a listed job as its summary says', async () => {
    const client = panorama(set.panorama);
    for (const summary of sample(home.jobs)) {
      const job = await client.send(new DescribePackageImportJobCommand({ JobId: summary.JobId }));
      expect(summary).toEqual(panoramaSummaryOf(job));
    }
  });

  it('holds N other jobs in every other region, describable there only', async () => {
    const other = await walkPanorama('eu-west-1');
    expect(other.pages).toBe(120);
    const ids = other.jobs.map((j) => j.JobId as string);
    expect(new Set(ids).size).toBe(N);
    const home_ = new Set(home.jobs.map((j) => j.JobId));
    expect(ids.some((id) => home_.has(id))).toBe(false);
    const summary = other.jobs[1234] as PackageImportJob;
    const job = await panorama(set.panorama, 'eu-west-1').send(
      new DescribePackageImportJobCommand({ JobId: summary.JobId }),
    );
    expect([job.Status, job.CreatedTime]).toEqual([summary.Status, summary.CreatedTime]);
    await expect(
      panorama(set.panorama).send(new DescribePackageImportJobCommand({ JobId: summary.JobId })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});

function omics(): OmicsClient {
  const client = new OmicsClient({
    region: 'us-east-1',
    endpoint: set.omics.url,
    disableHostPrefix: true,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    maxAttempts: 1,
    systemClockOffset: START - Date.now(),
  });
  clients.push(client);
  return client;
}

/** Every job of a store through the SDK paginator at the largest page (100), and the page count. */
async function walkOmics(referenceStoreId: string, filter?: ImportReferenceFilter) {
  const jobs: ImportReferenceJobItem[] = [];
  let pages = 0;
  for await (const page of paginateListReferenceImportJobs(
    { client: omics(), pageSize: 100 },
    { referenceStoreId, ...(filter ? { filter } : {}) },
  )) {
    pages += 1;
    jobs.push(...(page.importJobs ?? []));
  }
  return { jobs, pages };
}

describe('HealthOmics ListReferenceImportJobs in a big account', () => {
  const walks = new Map<string, Awaited<ReturnType<typeof walkOmics>>>();
  beforeAll(async () => {
    for (const store of DEMO_OMICS_REFERENCE_STORE_IDS) walks.set(store, await walkOmics(store));
  });

  it('walks all 3000 jobs of each reference store in 30 pages of 100, without a repeat or a gap', () => {
    for (const store of DEMO_OMICS_REFERENCE_STORE_IDS) {
      const { jobs, pages } = walks.get(store) as Awaited<ReturnType<typeof walkOmics>>;
      expect(pages).toBe(30);
      const inStore = expected.omics.filter((j) => j.globalId.includes(`:${store}:`));
      const ids = jobs.map((j) => j.id as string);
      if (store === MAIN_STORE)
        expectExactly(ids, expectedIds(inStore, OMICS_PROGRESSING_RUNS.idAt(START)));
      else {
        expect(ids).toHaveLength(N);
        expect(new Set(ids)).toEqual(new Set(inStore.map((j) => j.globalId.split(':')[3])));
      }
      expect(jobs.every((j) => j.referenceStoreId === store)).toBe(true);
    }
  });

  it('describes a listed job as its summary says', async () => {
    const client = omics();
    for (const store of DEMO_OMICS_REFERENCE_STORE_IDS) {
      for (const summary of sample(walks.get(store)?.jobs ?? [])) {
        const job = await client.send(
          new GetReferenceImportJobCommand({ referenceStoreId: store, id: summary.id }),
        );
        expect(summary).toEqual(omicsItemOf(job));
      }
    }
  });

  it('filters by status and creation time on the server, paging within the filter', async () => {
    const all = walks.get(MAIN_STORE)?.jobs ?? [];
    const failed = await walkOmics(MAIN_STORE, { status: 'FAILED' });
    expect(failed.jobs.every((j) => j.status === 'FAILED')).toBe(true);
    expect(failed.jobs.map((j) => j.id)).toEqual(
      all.filter((j) => j.status === 'FAILED').map((j) => j.id),
    );
    const after = new Date(START - 30 * 86_400_000);
    const recent = await walkOmics(MAIN_STORE, { createdAfter: after });
    expect(recent.jobs.map((j) => j.id)).toEqual(
      all.filter((j) => (j.creationTime as Date) >= after).map((j) => j.id),
    );
    expect(recent.jobs.length).toBeGreaterThan(900);
  });
});

const xml = new XMLParser({
  parseTagValue: false,
  removeNSPrefix: true,
  ignoreAttributes: true,
  isArray: (name) => name === 'member',
});

type CosMember = Record<string, unknown> & { JobId: string; CreationTime: string; Status: string };

/** A COS ListJobs walk in a region of the demo account: `nextToken` = the last JobId while it is not empty. */
async function walkCos(region: string, query: Record<string, string>) {
  const pages: CosMember[][] = [];
  let nextToken = '';
  do {
    const res = await signedCos(
      set.cosbatch,
      '/jobs',
      { ...query, ...(nextToken ? { nextToken } : {}) },
      { host: controlHost(region) },
    );
    expect(res.status).toBe(200);
    const doc = xml.parse(res.body) as {
      ListJobsResult: { Jobs: { member?: CosMember[] } | ''; NextToken: string };
    };
    const members = doc.ListJobsResult.Jobs === '' ? [] : (doc.ListJobsResult.Jobs.member ?? []);
    pages.push(members);
    nextToken = doc.ListJobsResult.NextToken;
    if (nextToken) expect(nextToken).toBe(members.at(-1)?.JobId);
  } while (nextToken);
  return pages;
}

describe('COS Batch ListJobs in a big account', () => {
  it('walks all 3000 jobs of the account’s region in 3 pages of 1000 and in 30 of 100, without a repeat or a gap', async () => {
    const ids = expectedIds(expected.cosbatch, COS_PROGRESSING_JOB_ID);
    const big = await walkCos(COS.region, {});
    expect(big.map((p) => p.length)).toEqual([1000, 1000, 1000]);
    expectExactly(
      big.flat().map((j) => j.JobId),
      ids,
    );
    // Pages of 100 end inside some of the jobs that share a creation second.
    const small = await walkCos(COS.region, { maxResults: '100' });
    expect(small).toHaveLength(30);
    expect(small.flat().map((j) => j.JobId)).toEqual(big.flat().map((j) => j.JobId));
  });

  it('describes a listed job as its summary says', async () => {
    const all = (await walkCos(COS.region, {})).flat();
    for (const summary of sample(all)) {
      const res = await signedCos(
        set.cosbatch,
        `/jobs/${summary.JobId}`,
        {},
        {
          host: controlHost(COS.region),
        },
      );
      expect(summary).toEqual(cosMemberOf(res));
    }
  });

  it('filters by jobStatuses on the server, paging within the filter', async () => {
    const complete = (
      await walkCos(COS.region, { jobStatuses: 'Complete', maxResults: '500' })
    ).flat();
    expect(complete.every((j) => j.Status === 'Complete')).toBe(true);
    expect(complete).toHaveLength(
      expected.cosbatch.filter((j) => j.providerStatus === 'Complete').length,
    );
  });

  it('holds N other jobs in every other region of the account, describable there only', async () => {
    const other = (await walkCos('ap-chengdu', {})).flat();
    expect(new Set(other.map((j) => j.JobId)).size).toBe(N);
    const home = new Set(expected.cosbatch.map((j) => j.globalId.split(':')[3]));
    expect(other.some((j) => home.has(j.JobId))).toBe(false);
    const id = (other[2999] as CosMember).JobId;
    const there = await signedCos(
      set.cosbatch,
      `/jobs/${id}`,
      {},
      { host: controlHost('ap-chengdu') },
    );
    expect(there.status).toBe(200);
    expect(there.body).toContain('qcs::cos:ap-chengdu:');
    const here = await signedCos(
      set.cosbatch,
      `/jobs/${id}`,
      {},
      { host: controlHost(COS.region) },
    );
    expect(here.status).toBe(404);
  });
});

type ImportExportMember = {
  JobId: string;
  CreationDate: string;
  IsCanceled: string;
  JobType: string;
};

/** An Import/Export ListJobs walk as botocore pages it: Marker = the last JobId while IsTruncated. */
async function walkImportExport(maxJobs: number) {
  const pages: ImportExportMember[][] = [];
  let marker: string | undefined;
  for (;;) {
    const res = await importExportCall(set.importexport, {
      Action: 'ListJobs',
      MaxJobs: String(maxJobs),
      ...(marker ? { Marker: marker } : {}),
    });
    expect(res.status).toBe(200);
    const result = (
      xml.parse(res.body) as {
        ListJobsResponse: {
          ListJobsResult: { Jobs: { member?: ImportExportMember[] } | ''; IsTruncated: string };
        };
      }
    ).ListJobsResponse.ListJobsResult;
    pages.push(result.Jobs === '' ? [] : (result.Jobs.member ?? []));
    if (result.IsTruncated !== 'true') return pages;
    marker = pages.at(-1)?.at(-1)?.JobId;
  }
}

describe('Import/Export ListJobs in a big account', () => {
  it('walks all 3000 jobs in 3 pages of 1000 and in 30 of 100, newest first, without a repeat or a gap', async () => {
    const big = await walkImportExport(1000);
    expect(big.map((p) => p.length)).toEqual([1000, 1000, 1000]);
    const all = big.flat();
    expectExactly(
      all.map((j) => j.JobId),
      expectedIds(expected.importexport, IMPORTEXPORT_PROGRESSING_JOB_ID),
    );
    const times = all.map((j) => Date.parse(j.CreationDate));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const small = await walkImportExport(100);
    expect(small).toHaveLength(30);
    expect(small.flat().map((j) => j.JobId)).toEqual(all.map((j) => j.JobId));
  });

  it('answers GetStatus for a listed job as its summary says', async () => {
    const all = (await walkImportExport(1000)).flat();
    const status = new Map(
      expected.importexport.map((j) => [
        j.globalId.slice('importexport:'.length),
        j.providerStatus,
      ]),
    );
    for (const summary of sample(all)) {
      const res = await importExportCall(set.importexport, {
        Action: 'GetStatus',
        JobId: summary.JobId,
      });
      expect(res.status).toBe(200);
      const job = (
        xml.parse(res.body) as { GetStatusResponse: { GetStatusResult: Record<string, string> } }
      ).GetStatusResponse.GetStatusResult;
      expect([job.JobId, job.CreationDate, job.JobType]).toEqual([
        summary.JobId,
        summary.CreationDate,
        summary.JobType,
      ]);
      expect(summary.IsCanceled).toBe(String(job.ProgressCode === 'Canceled'));
      if (summary.JobId !== IMPORTEXPORT_PROGRESSING_JOB_ID)
        expect(job.ProgressCode).toBe(status.get(summary.JobId));
    }
  });
});
