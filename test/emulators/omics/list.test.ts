import {
  GetReferenceImportJobCommand,
  ListReferenceImportJobsCommand,
  ListReferenceStoresCommand,
  OmicsClient,
  paginateListReferenceImportJobs,
  type ImportReferenceFilter,
  type ImportReferenceJobItem,
} from '@aws-sdk/client-omics';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@jobgraph/emulators/framework';
import type { ListOrder } from '@jobgraph/emulators/listing';
import {
  OMICS_DEMO_REFERENCE_STORE_ID,
  OMICS_DEMO_SECOND_STORE_ID,
} from '@jobgraph/emulators/omics/data';
import { createOmicsEmulator } from '@jobgraph/emulators/omics/emulator';
import {
  OMICS_LIST_STATUS_COUNTS,
  OMICS_REFERENCE_STORES,
  omicsListJobCount,
  omicsListedJobs,
} from '@jobgraph/emulators/omics/listData';
import { OMICS_PROGRESSING_RUNS } from '@jobgraph/emulators/omics/progressing';
import { refusedSignatures, signedAws } from '../listClient.ts';
import { PROGRESS_CYCLE_MS } from '@jobgraph/emulators/progress';
import { LIST_START, useListHarness } from '../listHarness.ts';
import { sdkPages } from '../listWalk.ts';
import { OMICS_STATES } from '../../support/providerStatuses.ts';
import { omicsItemOf } from '../listSummaries.ts';

const START = LIST_START;
const harness = useListHarness();
const MAIN = OMICS_DEMO_REFERENCE_STORE_ID;
const SECOND = OMICS_DEMO_SECOND_STORE_ID;
const STATUSES = Object.keys(OMICS_STATES);

const emulator = (listOrder?: ListOrder) => harness.startOn(createOmicsEmulator, listOrder);

const sdk = (emu: RunningEmulator, region?: string) =>
  harness.client(new OmicsClient({ ...harness.sdkOptions(emu, region), disableHostPrefix: true }));

/** Every page of a walk of one store, through the real SDK client. */
async function walk(
  emu: RunningEmulator,
  referenceStoreId: string,
  maxResults: number,
  filter?: ImportReferenceFilter,
) {
  return sdkPages<ImportReferenceJobItem>(async (nextToken) => {
    const out = await sdk(emu).send(
      new ListReferenceImportJobsCommand({
        referenceStoreId,
        maxResults,
        ...(nextToken ? { nextToken } : {}),
        ...(filter ? { filter } : {}),
      }),
    );
    return { items: out.importJobs, next: out.nextToken };
  });
}

function list(
  emu: RunningEmulator,
  path: string,
  query: Record<string, string> = {},
  body = '{}',
  region = 'us-east-1',
) {
  return signedAws(emu, {
    service: 'omics',
    region,
    method: 'POST',
    path,
    query,
    body,
    headers: { 'content-type': 'application/json' },
  });
}

const message = (body: string) => (JSON.parse(body) as { message: string }).message;

describe('HealthOmics list demo data', () => {
  // Created in the 90 days before the start, IDs its own: test/emulators/listData.test.ts.
  const jobs = omicsListedJobs(START);

  it('has at least 60 jobs in two stores over the 90 days before the start, every status in each store', () => {
    expect(jobs.length).toBeGreaterThanOrEqual(60);
    for (const store of [MAIN, SECOND]) {
      const inStore = jobs.filter((j) => j.referenceStoreId === store);
      expect(inStore).toHaveLength(omicsListJobCount(store));
      expect(new Set(inStore.map((j) => j.status))).toEqual(new Set(STATUSES));
      const counts = Object.fromEntries(
        STATUSES.map((s) => [s, inStore.filter((j) => j.status === s).length]),
      );
      const expected = OMICS_LIST_STATUS_COUNTS[store];
      expect(counts).toEqual(
        Object.fromEntries([...(expected?.recent ?? []), ...(expected?.settled ?? [])]),
      );
    }
    for (const j of jobs) {
      expect(j.id).toMatch(/^[0-9]{10}$/);
      const terminal = ['CANCELLED', 'FAILED', 'COMPLETED', 'COMPLETED_WITH_FAILURES'].includes(
        j.status,
      );
      expect(j.completionTime !== undefined).toBe(terminal);
    }
  });
});

describe('The HealthOmics emulator ListReferenceImportJobs', () => {
  const emu = harness.use(() => emulator());

  it('walks every job of each store once in pages of 7, oldest first, the progressing job last in the main store', async () => {
    for (const [store, extra] of [
      [MAIN, 1],
      [SECOND, 0],
    ] as const) {
      const pages = await walk(emu, store, 7);
      const all = pages.flat();
      expect(all).toHaveLength(omicsListJobCount(store) + extra);
      expect(new Set(all.map((j) => j.id)).size).toBe(all.length);
      expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
      const times = all.map((j) => (j.creationTime as Date).getTime());
      expect([...times].sort((a, b) => a - b)).toEqual(times);
      expect(all.every((j) => j.referenceStoreId === store)).toBe(true);
      if (extra) expect(all.at(-1)?.id).toBe(OMICS_PROGRESSING_RUNS.idAt(LIST_START));
    }
  });

  it('walks a store with the SDK paginator at the largest page size in one page', async () => {
    const pages: number[] = [];
    for await (const page of paginateListReferenceImportJobs(
      { client: sdk(emu), pageSize: 100 },
      { referenceStoreId: MAIN },
    ))
      pages.push(page.importJobs?.length ?? 0);
    expect(pages).toEqual([omicsListJobCount(MAIN) + 1]);
  });

  it('answers each item as GetReferenceImportJob describes the job', async () => {
    const client = sdk(emu);
    const out = await client.send(
      new ListReferenceImportJobsCommand({ referenceStoreId: SECOND, maxResults: 100 }),
    );
    expect(out.importJobs).toHaveLength(omicsListJobCount(SECOND));
    for (const item of out.importJobs ?? []) {
      const job = await client.send(
        new GetReferenceImportJobCommand({ referenceStoreId: SECOND, id: item.id }),
      );
      expect(item).toEqual(omicsItemOf(job));
    }
  });

  it('writes the items with the model members only and ISO-8601 strings', async () => {
    const res = await list(emu, `/referencestore/${MAIN}/importjobs`, { maxResults: '3' });
    expect([res.status, res.headers['content-type']]).toEqual([200, 'application/json']);
    const body = JSON.parse(res.body) as {
      importJobs: Record<string, unknown>[];
      nextToken: string;
    };
    expect(Object.keys(body)).toEqual(['importJobs', 'nextToken']);
    for (const j of body.importJobs) {
      expect(Object.keys(j).filter((k) => k !== 'completionTime')).toEqual([
        'id',
        'referenceStoreId',
        'roleArn',
        'status',
        'creationTime',
      ]);
      expect(j.creationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
  });

  it('filters on the server by status, createdAfter and createdBefore (both inclusive), paging within the filter', async () => {
    const jobs = omicsListedJobs(START).filter((j) => j.referenceStoreId === MAIN);
    for (const status of STATUSES) {
      const all = (
        await walk(emu, MAIN, 2, { status: status as ImportReferenceFilter['status'] })
      ).flat();
      const expected =
        jobs.filter((j) => j.status === status).length + (status === 'SUBMITTED' ? 1 : 0);
      expect([status, all.length]).toEqual([status, expected]);
      expect(all.every((j) => j.status === status)).toBe(true);
    }
    const after = new Date(jobs[10]?.creationTime as string);
    const before = new Date(jobs[3]?.creationTime as string);
    const window = (
      await walk(emu, MAIN, 3, { createdAfter: after, createdBefore: before })
    ).flat();
    expect(window.map((j) => j.id).sort()).toEqual(
      jobs
        .slice(3, 11)
        .map((j) => j.id)
        .sort(),
    );
  });

  it('refuses a filter that does not read with ValidationException 400, and a body that is not JSON with SerializationException', async () => {
    for (const body of [
      '{"filter":{"status":"PAUSED"}}',
      '{"filter":{"createdAfter":"yesterday"}}',
      '{"filter":{"createdBefore":1792400000}}',
    ]) {
      const res = await list(emu, `/referencestore/${MAIN}/importjobs`, {}, body);
      expect([res.status, res.headers['x-amzn-errortype']]).toEqual([400, 'ValidationException']);
    }
    const res = await list(emu, `/referencestore/${MAIN}/importjobs`, {}, '{"filter":');
    expect([res.status, res.headers['x-amzn-errortype']]).toEqual([400, 'SerializationException']);
  });

  it('takes an empty body as no filter, as the SDK sends {}', async () => {
    const res = await list(emu, `/referencestore/${SECOND}/importjobs`, {}, '');
    expect([
      res.status,
      (JSON.parse(res.body) as { importJobs: unknown[] }).importJobs.length,
    ]).toEqual([200, omicsListJobCount(SECOND)]);
  });

  it('refuses maxResults outside 1..100 with ValidationException 400 naming it', async () => {
    for (const value of ['0', '101', '-3', 'all']) {
      const res = await list(emu, `/referencestore/${MAIN}/importjobs`, { maxResults: value });
      expect([res.status, res.headers['x-amzn-errortype']]).toEqual([400, 'ValidationException']);
      expect(message(res.body)).toContain(`Value '${value}' at 'maxResults'`);
    }
  });

  it('refuses a nextToken it did not make, one for another store or filter, and one older than 24 hours', async () => {
    const first = await sdk(emu).send(
      new ListReferenceImportJobsCommand({ referenceStoreId: MAIN, maxResults: 5 }),
    );
    const token = first.nextToken as string;
    const cases: [string, Record<string, string>, string][] = [
      [`/referencestore/${MAIN}/importjobs`, { nextToken: 'made-up' }, '{}'],
      [`/referencestore/${MAIN}/importjobs`, { nextToken: `${token}x` }, '{}'],
      [`/referencestore/${SECOND}/importjobs`, { nextToken: token }, '{}'],
      [
        `/referencestore/${MAIN}/importjobs`,
        { nextToken: token },
        '{"filter":{"status":"FAILED"}}',
      ],
      [`/referencestore/${MAIN}/importjobs`, { nextToken: 'x'.repeat(6145) }, '{}'],
    ];
    for (const [path, query, body] of cases) {
      const res = await list(emu, path, query, body);
      expect([res.status, res.headers['x-amzn-errortype']]).toEqual([400, 'ValidationException']);
    }
    const ok = await list(emu, `/referencestore/${MAIN}/importjobs`, { nextToken: token });
    expect(ok.status).toBe(200);
    harness.now += 24 * 3_600_000 + 1000;
    const expired = await list(emu, `/referencestore/${MAIN}/importjobs`, { nextToken: token });
    expect([expired.status, message(expired.body)]).toEqual([
      400,
      'The pagination token has expired.',
    ]);
  });

  it('answers a store the region does not have with ResourceNotFoundException 404, and a malformed store ID with ValidationException', async () => {
    for (const [path, region] of [
      ['/referencestore/1111111111/importjobs', 'us-east-1'],
      [`/referencestore/${MAIN}/importjobs`, 'eu-west-1'],
    ] as const) {
      const res = await list(emu, path, {}, '{}', region);
      expect([res.status, res.headers['x-amzn-errortype']]).toEqual([
        404,
        'ResourceNotFoundException',
      ]);
    }
    const bad = await list(emu, '/referencestore/12ab/importjobs');
    expect([bad.status, bad.headers['x-amzn-errortype']]).toEqual([400, 'ValidationException']);
  });

  it('pages newest first when told to', async () => {
    const newest = await emulator('newest-first');
    const all = (await walk(newest, MAIN, 9)).flat();
    expect(all[0]?.id).toBe(OMICS_PROGRESSING_RUNS.idAt(LIST_START));
    const times = all.map((j) => (j.creationTime as Date).getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all).toHaveLength(omicsListJobCount(MAIN) + 1);
  });

  it('lists the progressing import’s last run COMPLETED after the current one: a new job each cycle', async () => {
    const newest = await emulator('newest-first');
    harness.now = LIST_START + PROGRESS_CYCLE_MS + 30_000;
    const all = (await walk(newest, MAIN, 9)).flat();
    expect(all.slice(0, 2).map((j) => [j.id, j.status])).toEqual([
      [OMICS_PROGRESSING_RUNS.idAt(LIST_START + PROGRESS_CYCLE_MS), 'IN_PROGRESS'],
      [OMICS_PROGRESSING_RUNS.idAt(LIST_START), 'COMPLETED'],
    ]);
    expect(all).toHaveLength(omicsListJobCount(MAIN) + 2);
  });

  it('refuses unsigned and wrongly signed requests as the describe route does', async () => {
    expect(
      await refusedSignatures(
        emu,
        {
          service: 'omics',
          method: 'POST',
          path: `/referencestore/${MAIN}/importjobs`,
          body: '{}',
        },
        'panorama',
      ),
    ).toEqual([
      [403, 'MissingAuthenticationTokenException'],
      [403, 'InvalidSignatureException'],
      [403, 'InvalidSignatureException'],
    ]);
  });

  it('keeps GET on the list path an unknown operation (ListReferenceImportJobs is a POST)', async () => {
    const res = await signedAws(emu, {
      service: 'omics',
      method: 'GET',
      path: `/referencestore/${MAIN}/importjobs`,
    });
    expect([res.status, res.headers['x-amzn-errortype']]).toEqual([
      404,
      'UnknownOperationException',
    ]);
  });

  it('records the call with the store as its job prefix', async () => {
    emu.calls.length = 0;
    await sdk(emu).send(
      new ListReferenceImportJobsCommand({ referenceStoreId: SECOND, maxResults: 1 }),
    );
    expect(emu.calls).toEqual([
      {
        method: 'POST',
        path: `/referencestore/${SECOND}/importjobs`,
        operation: `ListReferenceImportJobs ${SECOND}`,
        job: `us-east-1/${SECOND}/`,
        status: 200,
      },
    ]);
  });
});

describe('The HealthOmics emulator ListReferenceStores', () => {
  const emu = harness.use(() => emulator());

  it('lists the two stores of the demo region, paging and filtering as the import jobs do', async () => {
    const client = sdk(emu);
    const all = await client.send(new ListReferenceStoresCommand({}));
    expect(all.referenceStores?.map((s) => s.id)).toEqual(OMICS_REFERENCE_STORES.map((s) => s.id));
    expect(all.referenceStores?.[1]).toEqual({
      ...OMICS_REFERENCE_STORES[1],
      creationTime: new Date(OMICS_REFERENCE_STORES[1]?.creationTime as string),
    });
    const first = await client.send(new ListReferenceStoresCommand({ maxResults: 1 }));
    expect(first.referenceStores?.map((s) => s.id)).toEqual([MAIN]);
    const second = await client.send(
      new ListReferenceStoresCommand({ maxResults: 1, nextToken: first.nextToken }),
    );
    expect([second.referenceStores?.map((s) => s.id), second.nextToken]).toEqual([
      [SECOND],
      undefined,
    ]);
    const named = await client.send(
      new ListReferenceStoresCommand({ filter: { name: 'plant-references' } }),
    );
    expect(named.referenceStores?.map((s) => s.id)).toEqual([SECOND]);
    const after = await client.send(
      new ListReferenceStoresCommand({
        filter: { createdAfter: new Date('2024-06-25T00:00:00Z') },
      }),
    );
    expect(after.referenceStores?.map((s) => s.id)).toEqual([SECOND]);
  });

  it('lists no store in another region and refuses a bad maxResults or nextToken', async () => {
    const none = await sdk(emu, 'eu-west-1').send(new ListReferenceStoresCommand({}));
    expect(none.referenceStores).toEqual([]);
    for (const query of [{ maxResults: '0' }, { maxResults: '101' }, { nextToken: 'made-up' }]) {
      const res = await list(emu, '/referencestores', query);
      expect([res.status, res.headers['x-amzn-errortype']]).toEqual([400, 'ValidationException']);
    }
  });
});
