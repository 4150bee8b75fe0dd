import { buildSubgraphSchema } from '@apollo/subgraph';
import { isObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { newestFirst } from '../../support/listOrder.ts';
import { readAuthPolicy } from '../../../src/auth/directives.ts';
import { createSecretDetector } from '../../../src/auth/secrets.ts';
import { BATCH_STATE_MAP } from '../../../src/datasources/batch/record.ts';
import { COSBATCH_STATE_MAP } from '../../../src/datasources/cosbatch/record.ts';
import { IMPORTEXPORT_STATE_MAP } from '../../../src/datasources/importexport/record.ts';
import { createJobLister, type JobListFilter } from '../../../src/datasources/listing/index.ts';
import { OMICS_STATE_MAP } from '../../../src/datasources/omics/record.ts';
import { PANORAMA_STATE_MAP } from '../../../src/datasources/panorama/record.ts';
import { PROVIDERS } from '../../../src/datasources/registry.ts';
import type { EmulatorRequest } from '@jobgraph/emulators/framework';
import {
  DEMO_BATCH_QUEUE_NAMES,
  DEMO_BATCH_SERVICE_QUEUE_NAMES,
  IN_PLACE_PROGRESSING_JOB_IDS,
  listedDemoJobs,
  type OrderedEmulatorName,
} from '@jobgraph/emulators';
import { parseGlobalId } from '../../../src/model/globalId.ts';
import { JOB_TYPES, typeNameOf } from '../../../src/model/jobKeys.ts';
import {
  mapState,
  type JobProvider,
  type JobRecord,
  type JobState,
} from '../../../src/model/job.ts';
import { loadTypeDefs } from '../../../src/sdl.ts';
import { STORE_1, STORE_2, ids, refusal, sourceReport, useListerRig } from './listerSupport.ts';
import { SIX_PROVIDERS } from './providerNames.ts';
import { startListingRig } from './support.ts';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { OMICS_DEMO_RUNS_REFERENCE_MS } from '@jobgraph/emulators/omics/runBatchData';
import { demoIsoMover } from '@jobgraph/emulators/demoDates';

/**
 * What the lister lists, over the real emulators' demo data (listerSupport.ts): every job once and
 * in order, what each page costs upstream, the filters, and the listed jobs' summaries. What it does
 * when a source fails, a cursor is refused or a caller goes away: listerFailures.test.ts.
 */

/** The emulators whose demo data is listed: every one `listedDemoJobs` answers for. */
const LISTABLE = Object.keys(listedDemoJobs(0)) as OrderedEmulatorName[];
const STATE_TABLES: Record<OrderedEmulatorName, Readonly<Record<string, JobState>>> = {
  panorama: PANORAMA_STATE_MAP,
  omics: OMICS_STATE_MAP,
  cosbatch: COSBATCH_STATE_MAP,
  importexport: IMPORTEXPORT_STATE_MAP,
  batch: BATCH_STATE_MAP,
};
/** The registry's providers with a job list (the others are NOT_LISTABLE sources). */
const LISTABLE_PROVIDERS: ReadonlySet<JobProvider> = new Set(
  PROVIDERS.filter((p) => p.list).map((p) => p.name),
);
/** What a page's source report says of a provider the asked filters leave nothing to call for. */
const idleState = (provider: JobProvider) =>
  LISTABLE_PROVIDERS.has(provider) ? 'LISTED' : 'NOT_LISTABLE';

const rig = useListerRig();

/** Every listed demo job (progressing ones included) of the listable providers. */
function demoIds(
  keep: (name: OrderedEmulatorName, providerStatus: string) => boolean = () => true,
) {
  const listed = listedDemoJobs(rig.anchorMs);
  return LISTABLE.flatMap((name) =>
    listed[name].filter((j) => keep(name, j.providerStatus)).map((j) => j.globalId),
  );
}
/** The listable providers' progressing jobs at the rig's clock (AWS Batch's is new each cycle). */
const progressing = () => LISTABLE.map((name) => rig.emulators.progressingJobIds()[name]);
/** How many jobs the unfiltered list has. */
const total = () => demoIds().length + progressing().length;
/** A listed HealthOmics run's GetRun, a describe call: not one of a page's list calls. */
const isGetRun = (operation: string) => operation.startsWith('GET /run/');
/** The list calls each emulator received since the last clearCalls. */
const listOperations = () =>
  Object.fromEntries(
    Object.entries(rig.operations()).map(([name, ops]) => [name, ops.filter((o) => !isGetRun(o))]),
  ) as ReturnType<typeof rig.operations>;
/** Every upstream list call the emulators received since the last clearCalls. */
const callsMade = () => Object.values(listOperations()).flat().length;

/** The request bodies and queries an emulator receives while `run` runs. */
async function received<T>(name: OrderedEmulatorName, run: () => Promise<T>) {
  const requests: EmulatorRequest[] = [];
  const onRequest = (req: EmulatorRequest) => requests.push(req);
  rig.emulators[name].events.on('request', onRequest);
  try {
    return { result: await run(), requests };
  } finally {
    rig.emulators[name].events.off('request', onRequest);
  }
}

describe('Listing jobs across the providers', () => {
  it('lists every listed job once, newest first across the listable providers, ties by ID', async () => {
    const { pages, ids: all } = await rig.walk(100);
    expect(pages).toHaveLength(Math.ceil(total() / 100));
    expect(all).toHaveLength(total());
    expect(new Set(all)).toEqual(new Set([...demoIds(), ...progressing()]));
    expect(new Set(all.map((id) => parseGlobalId(id).provider))).toEqual(LISTABLE_PROVIDERS);
    const jobs = pages.flatMap((p) => p.edges.map((e) => e.job));
    expect([...jobs].sort(newestFirst)).toEqual(jobs);
    // Each at the creation time its provider lists it with.
    const created = new Map(
      LISTABLE.flatMap((n) =>
        listedDemoJobs(rig.anchorMs)[n].map((j) => [j.globalId, j.createdAt]),
      ),
    );
    for (const job of jobs)
      if (created.has(job.id)) expect(job.createdAt).toBe(created.get(job.id));
    expect(pages[0]!.hasPreviousPage).toBe(false);
    expect(pages[1]!.hasPreviousPage).toBe(true);
  });

  it('costs each source its list pages for the first page of 25: Panorama 3 (65 jobs, 25 a page), HealthOmics ListReferenceStores + 1 per store (2) + ListRuns + ListBatch, COS Batch 1, Import/Export 1, AWS Batch DescribeJobQueues + 1 per queue (4 ListJobs, 1 ListServiceJobs); CodePipeline none', async () => {
    const page = await rig.page({ first: 25 });
    expect(page.edges).toHaveLength(25);
    expect(page.hasNextPage).toBe(true);
    expect(page.upstreamCalls).toBe(callsMade());
    const operations = listOperations();
    // The queues' list calls run side by side, and HealthOmics' stores', runs' and run batches':
    // their order is the network's.
    operations.batch.sort();
    operations.omics.sort();
    expect(operations).toMatchObject({
      panorama: ['ListPackageImportJobs', 'ListPackageImportJobs', 'ListPackageImportJobs'],
      omics: [
        'ListBatch',
        `ListReferenceImportJobs ${STORE_1}`,
        `ListReferenceImportJobs ${STORE_2}`,
        'ListReferenceStores',
        'ListRuns',
      ].sort(),
      cosbatch: ['ListJobs'],
      importexport: ['ListJobs'],
      codepipeline: [],
      batch: [
        'DescribeJobQueues',
        ...[...DEMO_BATCH_QUEUE_NAMES].sort().map((queue) => `ListJobs ${queue}`),
        ...DEMO_BATCH_SERVICE_QUEUE_NAMES.map((queue) => `ListServiceJobs ${queue}`),
      ].sort(),
    });
    // Each run shown was read by GetRun (its list item names no uuid), as it was about to be
    // merged: no more than the page could still show, and one more for hasNextPage.
    const getRuns = rig.operations().omics.filter(isGetRun).length;
    expect(getRuns).toBeGreaterThanOrEqual(
      page.edges.filter((e) => e.job.id.startsWith('omicsrun:')).length,
    );
    expect(getRuns).toBeLessThanOrEqual(25 + 1);
    // Every provider of the registry reports its sources, in the registry's order.
    const order = PROVIDERS.map((p) => p.name);
    expect([...new Set(page.sources.map((s) => s.provider))]).toEqual(order);
    const known: ReadonlySet<string> = new Set(SIX_PROVIDERS);
    expect(page.sources.filter((s) => known.has(s.provider))).toEqual([
      sourceReport('AWS_PANORAMA', 'us-east-1'),
      sourceReport('AWS_OMICS', 'us-east-1', { referenceStoreId: STORE_1 }),
      sourceReport('AWS_OMICS', 'us-east-1', { referenceStoreId: STORE_2 }),
      // Its workflow runs (ListRuns) and run batches (ListBatch): sources of the region, in no
      // reference store.
      sourceReport('AWS_OMICS', 'us-east-1'),
      sourceReport('AWS_OMICS', 'us-east-1'),
      sourceReport('TENCENT_COS_BATCH', 'ap-guangzhou'),
      sourceReport('AWS_IMPORT_EXPORT', null),
      sourceReport('AWS_CODEPIPELINE', 'us-east-1', { state: 'NOT_LISTABLE' }),
      // One source per job queue, each naming its queue (in name order; a queue is no reference store).
      ...[...DEMO_BATCH_QUEUE_NAMES]
        .sort()
        .map((jobQueue) => sourceReport('AWS_BATCH', 'us-east-1', { jobQueue })),
      // Then its service-job queues (ListServiceJobs), one source each.
      ...DEMO_BATCH_SERVICE_QUEUE_NAMES.map((jobQueue) =>
        sourceReport('AWS_BATCH', 'us-east-1', { jobQueue }),
      ),
    ]);
  });

  it('costs the same upstream calls for a page of 100, and one less with the reference stores configured (JOBGRAPH_OMICS_REFERENCE_STORES)', async () => {
    await rig.page({ first: 25 });
    const cost25 = callsMade();
    rig.clearCalls();
    expect((await rig.page({ first: 100 })).upstreamCalls).toBe(cost25);
    rig.clearCalls();
    const configured = createJobLister(rig.sources, {
      ...rig.config,
      listing: { ...rig.config.listing, omicsReferenceStores: [STORE_1, STORE_2] },
    });
    const page = await configured.list({ filter: {}, first: 25, after: null, caller: 'test' });
    expect(page.upstreamCalls).toBe(cost25 - 1);
    expect(listOperations().omics.sort()).toEqual(
      [
        'ListBatch',
        `ListReferenceImportJobs ${STORE_1}`,
        `ListReferenceImportJobs ${STORE_2}`,
        'ListRuns',
      ].sort(),
    );
  });

  it('pages without gaps or repeats across upstream pages: pages of 7 give exactly one page of 100, each at most the cost of a page of 100 (Import/Export 1, from its cursor position)', async () => {
    const first = await rig.page({ first: 100 });
    const hundred = ids(first);
    rig.clearCalls();
    const walk = await rig.walk(7);
    expect(walk.ids.slice(0, 100)).toEqual(hundred);
    expect(new Set(walk.ids).size).toBe(walk.ids.length);
    expect(walk.ids).toHaveLength(total());
    expect(walk.pages).toHaveLength(Math.ceil(total() / 7));
    // Each page reads its sources whole again (no snapshots here) but for the ones it has paged
    // past the end of (AWS Batch's queues once their newest-first jobs are all listed): never
    // more than the first page, and each page reports what it cost.
    expect(walk.pages[0]!.upstreamCalls).toBe(first.upstreamCalls);
    for (const p of walk.pages) expect(p.upstreamCalls).toBeLessThanOrEqual(first.upstreamCalls);
    expect(walk.pages.reduce((n, p) => n + p.upstreamCalls, 0)).toBe(callsMade());
    expect(rig.operations().importexport).toHaveLength(walk.pages.length);
  });

  it('gives the same list whatever order each provider lists in', async () => {
    const expected = (await rig.walk(7)).ids;
    for (const listOrder of [
      {
        panorama: 'newest-first',
        omics: 'newest-first',
        cosbatch: 'newest-first',
        importexport: 'oldest-first',
      },
      {
        panorama: 'newest-first',
        omics: 'oldest-first',
        cosbatch: 'newest-first',
        importexport: 'newest-first',
      },
    ] as const) {
      const other = await startListingRig({ anchorMs: rig.anchorMs, listOrder });
      try {
        expect((await other.walk(7)).ids).toEqual(expected);
        expect((await other.walk(100)).ids).toEqual(expected);
      } finally {
        await other.close();
      }
    }
  });
});

describe('Listing filters', () => {
  it('lists only the asked providers and calls no other', async () => {
    const { pages, ids: cos } = await rig.walk(50, { providers: ['TENCENT_COS_BATCH'] });
    expect(new Set(cos)).toEqual(
      new Set([...demoIds((n) => n === 'cosbatch'), IN_PLACE_PROGRESSING_JOB_IDS.cosbatch]),
    );
    expect(pages[0]!.sources).toEqual([sourceReport('TENCENT_COS_BATCH', 'ap-guangzhou')]);
    const { cosbatch: _asked, ...others } = rig.operations();
    expect(Object.values(others).flat()).toEqual([]);
  });

  it('bounds HealthOmics runs and run batches by creation time here (ListRuns and ListBatch take no time filter), reading by GetRun only the runs inside the bounds', async () => {
    rig.clearCalls();
    // The day of the runs' table the failed run was created on, moved as the emulator moves the table.
    const moved = demoIsoMover(OMICS_DEMO_RUNS_REFERENCE_MS, rig.anchorMs);
    const { ids } = await rig.walk(100, {
      providers: ['AWS_OMICS'],
      createdAfter: moved('2026-11-21T00:00:00.000Z'),
      createdBefore: moved('2026-11-22T00:00:00.000Z'),
    });
    // The demo's failed run alone was created that day; no run batch was.
    const [failedRun] = OMICS_DEMO_RUNS.filter((r) => r.status === 'FAILED');
    expect(ids.filter((id) => id.startsWith('omicsrun:') || id.startsWith('omicsbatch:'))).toEqual([
      `omicsrun:us-east-1:${failedRun!.uuid}:${failedRun!.id}`,
    ]);
    expect(rig.operations().omics.filter(isGetRun)).toEqual([`GET /run/${failedRun!.id}`]);
  });

  it('lists only jobs in the asked states, sending HealthOmics and COS Batch the one status they can filter by', async () => {
    const omics = await received('omics', () =>
      received('cosbatch', () => rig.walk(10, { states: ['FAILED'] })),
    );
    const cos = omics.result;
    const { pages } = cos.result;
    const failed = pages.flatMap((p) => p.edges.map((e) => e.job));
    expect(failed.every((j) => j.state === 'FAILED')).toBe(true);
    expect(new Set(failed.map((j) => j.id))).toEqual(
      new Set(demoIds((n, status) => mapState(STATE_TABLES[n], status) === 'FAILED')),
    );
    const jobCalls = omics.requests.filter((r) => r.rawPath.includes('/importjobs'));
    expect(jobCalls.length).toBeGreaterThan(0);
    for (const r of jobCalls) expect(JSON.parse(r.body)).toEqual({ filter: { status: 'FAILED' } });
    expect(cos.requests.length).toBeGreaterThan(0);
    for (const r of cos.requests) expect(r.query.getAll('jobStatuses')).toEqual(['Failed']);
    // HealthOmics' workflow runs and run batches: ListRuns and ListBatch by their one `status`.
    for (const path of ['/run', '/runBatch']) {
      const calls = omics.requests.filter((r) => r.path === path);
      expect(calls.length, path).toBeGreaterThan(0);
      for (const r of calls) expect(r.query.get('status'), path).toBe('FAILED');
    }
    expect(failed.some((j) => j.id.startsWith('omicsrun:'))).toBe(true);
    expect(failed.some((j) => j.id.startsWith('omicsbatch:'))).toBe(true);
    // Import/Export summaries carry no status: its jobs are looked up through GetStatus as they
    // come to be merged: each one not cancelled once, not once a page. A page also looks past
    // its last Import/Export job up to the next one in the asked states (the merge's look-ahead),
    // and the next page looks those up again (no cache here): that much more, and no more.
    const lookups = rig.operations().importexport.filter((op) => op.startsWith('GetStatus'));
    const ie = listedDemoJobs(rig.anchorMs).importexport.filter(
      (j) => j.providerStatus !== 'Canceled',
    );
    const isFailed = (j: { providerStatus: string }) =>
      mapState(IMPORTEXPORT_STATE_MAP, j.providerStatus) === 'FAILED';
    let lookAhead = 0;
    for (const page of pages.slice(0, -1)) {
      const last = page.edges.findLast((e) => e.job.provider === 'AWS_IMPORT_EXPORT');
      const from = last ? ie.findIndex((j) => j.globalId === last.job.id) + 1 : 0;
      const next = ie.findIndex((j, i) => i >= from && isFailed(j));
      lookAhead += (next === -1 ? ie.length : next + 1) - from;
    }
    // The progressing job too (its status moves with the clock, so it is not in `ie`).
    const notCancelled = ie.length + 1;
    expect(lookups.length).toBeGreaterThanOrEqual(ie.filter(isFailed).length);
    expect(lookups.length).toBeLessThanOrEqual(notCancelled + lookAhead);
  });

  it('decides CANCELLED for Import/Export from the summary, and calls no provider that has no job in the asked states', async () => {
    const { ids: cancelled } = await rig.walk(100, { states: ['CANCELLED'] });
    expect(new Set(cancelled)).toEqual(
      new Set(demoIds((n, status) => mapState(STATE_TABLES[n], status) === 'CANCELLED')),
    );
    expect(rig.operations().importexport.filter((op) => op !== 'ListJobs')).toEqual([]);

    rig.clearCalls();
    const paused = await rig.walk(100, { states: ['PAUSED'] });
    expect(new Set(paused.ids)).toEqual(
      new Set(demoIds((n, status) => mapState(STATE_TABLES[n], status) === 'PAUSED')),
    );
    // Only COS Batch has a PAUSED state: every other source is LISTED (empty) uncalled.
    const { cosbatch, ...others } = rig.operations();
    expect(Object.values(others).flat()).toEqual([]);
    expect(cosbatch).toEqual(['ListJobs']);
    const { sources } = paused.pages[0]!;
    // HealthOmics three times: its reference stores' source, its runs' and its run batches'.
    expect(sources.map((s) => s.provider)).toEqual(
      PROVIDERS.flatMap((p) => (p.name === 'AWS_OMICS' ? [p.name, p.name, p.name] : [p.name])),
    );
    expect(sources.map((s) => s.state)).toEqual(sources.map((s) => idleState(s.provider)));
  });

  it('lists the asked regions, each for the providers that serve it, Import/Export whatever the regions', async () => {
    const cosOnly = await rig.page({ filter: { regions: ['ap-guangzhou'] }, first: 100 });
    expect(cosOnly.sources.map((s) => `${s.provider}/${s.region}`)).toEqual([
      'TENCENT_COS_BATCH/ap-guangzhou',
      'AWS_IMPORT_EXPORT/null',
    ]);
    expect(new Set(cosOnly.edges.map((e) => e.job.provider))).toEqual(
      new Set(['TENCENT_COS_BATCH', 'AWS_IMPORT_EXPORT']),
    );

    const west = await rig.page({
      filter: {
        regions: ['us-west-2'],
        providers: ['AWS_PANORAMA', 'AWS_OMICS', 'AWS_CODEPIPELINE'],
      },
    });
    expect(west.edges).toEqual([]);
    expect(west.sources).toEqual([
      sourceReport('AWS_PANORAMA', 'us-west-2'),
      // No reference store in the region: the region is listed, with no store.
      sourceReport('AWS_OMICS', 'us-west-2'),
      // Its runs and run batches: none in the region.
      sourceReport('AWS_OMICS', 'us-west-2'),
      sourceReport('AWS_OMICS', 'us-west-2'),
      sourceReport('AWS_CODEPIPELINE', 'us-west-2', { state: 'NOT_LISTABLE' }),
    ]);

    // The configured regions spelled out are the default: the same list, and its cursors serve both.
    const spelled = await rig.page({
      filter: { regions: ['us-east-1', 'ap-guangzhou'] },
      first: 10,
    });
    const plain = await rig.page({ first: 10 });
    expect(ids(spelled)).toEqual(ids(plain));
    const next = await rig.page({ after: spelled.edges[9]!.cursor, first: 10 });
    expect(next.edges).toHaveLength(10);
  });

  it('lists jobs created at or after createdAfter and before createdBefore, HealthOmics filtering server-side', async () => {
    const all = (await rig.walk(100)).pages.flatMap((p) => p.edges.map((e) => e.job));
    const cut = all[40]!.createdAt;
    const { result: recent, requests } = await received('omics', () =>
      rig.walk(100, { createdAfter: cut }),
    );
    expect(recent.ids).toEqual(all.filter((j) => j.createdAt >= cut).map((j) => j.id));
    expect(recent.ids).toHaveLength(41);
    for (const r of requests.filter((q) => q.rawPath.includes('/importjobs')))
      expect(JSON.parse(r.body)).toEqual({ filter: { createdAfter: cut.replace(/\.000Z$/, 'Z') } });
    const older = await rig.walk(100, { createdBefore: cut });
    expect(older.ids).toEqual(all.filter((j) => j.createdAt < cut).map((j) => j.id));
    const window = await rig.walk(7, { createdAfter: all[60]!.createdAt, createdBefore: cut });
    expect(window.ids).toEqual(all.slice(41, 61).map((j) => j.id));
  });

  it('lists the asked reference stores without ListReferenceStores', async () => {
    const page = await rig.page({
      filter: { providers: ['AWS_OMICS'], omicsReferenceStoreIds: [STORE_2] },
      first: 100,
    });
    expect(rig.operations().omics).toEqual([`ListReferenceImportJobs ${STORE_2}`]);
    expect(page.edges.length).toBe(24);
    expect(page.edges.every((e) => e.job.id.startsWith(`omics:us-east-1:${STORE_2}:`))).toBe(true);
  });

  it('refuses a bad filter or `first` before any upstream call', async () => {
    const bad: { filter?: JobListFilter; first?: number; argument: string }[] = [
      { first: 0, argument: 'first' },
      { first: 101, argument: 'first' },
      { first: 2.5, argument: 'first' },
      {
        filter: { regions: Array.from({ length: 11 }, (_, i) => `us-east-${i}`) },
        argument: 'filter.regions',
      },
      {
        filter: { regions: ['ap-guangzhou'], providers: ['AWS_PANORAMA'] },
        argument: 'filter.regions',
      },
      { filter: { createdAfter: 'last week' }, argument: 'filter.createdAfter' },
      { filter: { omicsReferenceStoreIds: ['abc'] }, argument: 'filter.omicsReferenceStoreIds' },
    ];
    for (const { argument, ...args } of bad) {
      const err = await refusal(() => rig.page(args));
      expect(err.extensions.argument).toBe(argument);
      expect(err.message).toContain(`"${argument}"`);
    }
    expect(callsMade()).toBe(0);
    expect((await rig.page({ first: 1 })).edges).toHaveLength(1);
    expect((await rig.page({ first: 100 })).edges).toHaveLength(100);
  });
});

describe('Listed jobs', () => {
  const typeDefs = loadTypeDefs();
  const schema = buildSubgraphSchema({ typeDefs });
  const holdsSecret = createSecretDetector(
    schema,
    readAuthPolicy(schema).sensitiveFields,
    JOB_TYPES,
  );

  it('carry no secret, and each summary field under its record name, as the describe record has it', async () => {
    const edges = (await rig.walk(100)).pages.flatMap((p) => p.edges);
    let compared = 0;
    for (const { job } of edges) {
      const type = schema.getType(typeNameOf(job.key));
      if (!isObjectType(type)) throw new Error(`no type for ${job.provider}`);
      const fields = type.getFields();
      // A further kind's row carries its key's kind, as its record does: no schema field.
      expect((job.summary as JobRecord).kind).toBe(job.key.kind);
      for (const name of Object.keys(job.summary).filter((k) => k !== 'kind'))
        expect(fields[name], `${type.name}.${name}`).toBeDefined();
      expect(holdsSecret(job.summary as JobRecord)).toBe(false);
    }
    // Every fourth job, of every provider, and every job of a further kind (AWS Batch's service
    // jobs) described: the summary agrees field by field.
    const described = edges.filter(({ job }, i) => i % 4 === 0 || job.key.kind !== undefined);
    expect(described.filter(({ job }) => job.key.kind === 'serviceJob')).toHaveLength(2);
    expect(new Set(described.map(({ job }) => job.provider))).toEqual(LISTABLE_PROVIDERS);
    for (const { job } of described) {
      const record = (await rig.sources[job.provider].source.fetchJob(
        job.key as never,
      )) as unknown as Record<string, unknown>;
      expect(job.summary, job.id).toEqual(
        Object.fromEntries(Object.keys(job.summary).map((k) => [k, record[k]])),
      );
      if (job.state !== null) expect(job.state).toBe(record.state);
      compared += 1;
    }
    expect(edges).toHaveLength(total());
    expect(compared).toBe(described.length);
    expect(compared).toBeGreaterThanOrEqual(Math.ceil(total() / 4));
  });
});
