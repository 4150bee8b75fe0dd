import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { newestFirst } from '../../support/listOrder.ts';
import {
  createJobLister,
  createListSnapshots,
  type JobListFilter,
  type JobListPage,
} from '../../../src/datasources/listing/index.ts';
import { Snapshot } from '../../../src/datasources/listing/snapshot.ts';
import { pageKey } from '../../../src/datasources/listing/snapshotStream.ts';
import type { EmulatorRequest } from '@jobgraph/emulators/framework';
import {
  DEMO_BATCH_QUEUE_NAMES,
  IN_PLACE_PROGRESSING_JOB_IDS,
  listedDemoJobs,
} from '@jobgraph/emulators';
import { startListingRig, type ListingRig } from './support.ts';

/**
 * The sources listJobs reads page by page in their documented order (newest first: Import/Export,
 * each AWS Batch job queue), over a big account of 300 jobs a source: AWS Batch three pages of 100
 * a queue, Import/Export one of 1,000. Their upstream pages are read at the provider's largest
 * page size and kept as the snapshots are (JOBGRAPH_LIST_SNAPSHOT_SECONDS), shared by every page
 * and reader, in flight too. The oracle: the emulators' call logs and request bodies.
 */

const N = 300;
const PAGED: JobListFilter = { providers: ['AWS_BATCH', 'AWS_IMPORT_EXPORT'] };
const QUEUES = DEMO_BATCH_QUEUE_NAMES.length;

let rig: ListingRig;
beforeAll(async () => {
  rig = await startListingRig({
    env: { JOBGRAPH_LIST_SNAPSHOT_SECONDS: '30' },
    jobsPerSource: N,
  });
});
afterAll(async () => rig?.close());
beforeEach(() => rig.clearCalls());

/** Every page of `size` of `filter` with `lister` (default the rig's), following the last cursor. */
async function walk(
  size: number,
  filter: JobListFilter,
  lister = rig.lister,
): Promise<{ pages: JobListPage[]; ids: string[] }> {
  const pages: JobListPage[] = [];
  let after: string | null = null;
  for (let i = 0; i < 200; i++) {
    const p: JobListPage = await lister.list({ filter, first: size, after, caller: 'test' });
    pages.push(p);
    if (!p.hasNextPage) return { pages, ids: pages.flatMap((x) => x.edges.map((e) => e.job.id)) };
    after = p.edges.at(-1)!.cursor;
  }
  throw new Error('the walk never ended');
}

/** The JSON bodies AWS Batch and the forms Import/Export receive while `run` runs. */
async function bodies<T>(run: () => Promise<T>) {
  const batch: Record<string, unknown>[] = [];
  const importexport: URLSearchParams[] = [];
  const onBatch = (req: EmulatorRequest) => {
    if (req.path === '/v1/listjobs') batch.push(JSON.parse(req.body) as Record<string, unknown>);
  };
  const onImportExport = (req: EmulatorRequest) => {
    const form = new URLSearchParams(req.body);
    if (form.get('Action') === 'ListJobs') importexport.push(form);
  };
  rig.emulators.batch.events.on('request', onBatch);
  rig.emulators.importexport.events.on('request', onImportExport);
  try {
    return { result: await run(), batch, importexport };
  } finally {
    rig.emulators.batch.events.off('request', onBatch);
    rig.emulators.importexport.events.off('request', onImportExport);
  }
}

/** A lister over the rig's sources with snapshots of its own: a gateway with none kept yet. */
const coldLister = () => createJobLister(rig.sources, rig.config, createListSnapshots(rig.config));

describe('Sources read page by page', () => {
  it('read each upstream page once, at the largest page size, however many pages of 25 walk them, and a second walk reads nothing', async () => {
    const lister = coldLister();
    const { result, batch, importexport } = await bodies(() => walk(25, PAGED, lister));
    // Every job of the four sources once, newest first.
    const lists = listedDemoJobs(rig.anchorMs, { jobsPerSource: N });
    const expected = [
      ...lists.batch.map((j) => j.globalId),
      ...lists.importexport.map((j) => j.globalId),
      rig.emulators.progressingJobIds().batch,
      IN_PLACE_PROGRESSING_JOB_IDS.importexport,
    ];
    expect(new Set(result.ids).size).toBe(result.ids.length);
    expect([...result.ids].sort()).toEqual([...expected].sort());
    const nodes = result.pages.flatMap((p) => p.edges.map((e) => e.job));
    expect([...nodes].sort(newestFirst)).toEqual(nodes);
    // 48 pages of 25: AWS Batch three pages of 100 a queue and its queues once; Import/Export one
    // page of 1,000 — each at the provider's largest page size.
    const ops = rig.operations();
    expect(ops.batch.filter((op) => op === 'DescribeJobQueues')).toHaveLength(1);
    expect(ops.batch.filter((op) => op.startsWith('ListJobs '))).toHaveLength(3 * QUEUES);
    expect(ops.importexport).toEqual(['ListJobs']);
    expect(batch.map((b) => b.maxResults)).toEqual(batch.map(() => 100));
    expect(importexport.map((f) => f.get('MaxJobs'))).toEqual(['1000']);
    // Its service-job queue (none listed in a big account): one ListServiceJobs, one page.
    expect(ops.batch.filter((op) => op.startsWith('ListServiceJobs '))).toHaveLength(1);
    expect(result.pages.reduce((n, p) => n + p.upstreamCalls, 0)).toBe(3 + 3 * QUEUES);

    // Another walk, another caller: the kept pages serve it whole.
    rig.clearCalls();
    const again = await walk(25, PAGED, lister);
    expect(again.ids).toEqual(result.ids);
    expect(Object.values(rig.operations()).flat()).toEqual([]);
    expect(again.pages.every((p) => p.upstreamCalls === 0)).toBe(true);
  });

  it('cost 20 readers opening one filter at once one reader’s calls: every read shared in flight', async () => {
    const one = await coldLister().list({ filter: {}, first: 25, after: null, caller: 'one' });
    const oneCalls = rig.operations();
    expect(one.upstreamCalls).toBe(Object.values(oneCalls).flat().length);
    rig.clearCalls();
    const lister = coldLister();
    const pages = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        lister.list({ filter: {}, first: 25, after: null, caller: `dashboard-${i}` }),
      ),
    );
    for (const p of pages)
      expect(p.edges.map((e) => e.job.id)).toEqual(one.edges.map((e) => e.job.id));
    const twenty = rig.operations();
    // The queues' and HealthOmics' sources (its stores, its run batches) read side by side.
    for (const ops of [oneCalls, twenty]) {
      ops.batch.sort();
      ops.omics.sort();
    }
    expect(twenty).toEqual(oneCalls);
    // The calls are counted once, in the page that started each read.
    expect(pages.reduce((n, p) => n + p.upstreamCalls, 0)).toBe(one.upstreamCalls);
  });

  it('keep the pages of a lower creation bound apart: AWS Batch sends the bound, and its pages serve only it', async () => {
    const lister = coldLister();
    await walk(100, PAGED, lister);
    const lists = listedDemoJobs(rig.anchorMs, { jobsPerSource: N });
    const newest = lists.batch.map((j) => Date.parse(j.createdAt)).sort((a, b) => b - a);
    const bound = newest[49]!;
    rig.clearCalls();
    const filter = { ...PAGED, createdAfter: new Date(bound).toISOString() };
    const { result, batch } = await bodies(() => walk(100, filter, lister));
    // Each queue read again from its first page with the bound; Import/Export's page kept serves it.
    expect(batch).toHaveLength(QUEUES);
    for (const b of batch)
      expect(b.filters).toEqual([{ name: 'AFTER_CREATED_AT', values: [String(bound - 1)] }]);
    expect(rig.operations().importexport).toEqual([]);
    const createdMs = result.pages.flatMap((p) => p.edges.map((e) => Date.parse(e.job.createdAt)));
    expect(createdMs.every((ms) => ms >= bound)).toBe(true);
    expect(result.ids.filter((id) => id.startsWith('batch:'))).toHaveLength(
      lists.batch.filter((j) => Date.parse(j.createdAt) >= bound).length +
        (result.ids.includes(rig.emulators.progressingJobIds().batch) ? 1 : 0),
    );

    // Walked again, the bound's own pages serve it.
    rig.clearCalls();
    await walk(100, filter, lister);
    expect(Object.values(rig.operations()).flat()).toEqual([]);
  });

  it('hand out a kept page in windows: each page of 25 builds about the rows it shows, not the whole upstream page', async () => {
    const filter: JobListFilter = { providers: ['AWS_IMPORT_EXPORT'] };
    await walk(25, filter); // the upstream page of 300 jobs is kept
    rig.clearCalls();
    const built = vi.spyOn(Snapshot.prototype, 'item');
    try {
      const perPage: number[] = [];
      let after: string | null = null;
      const ids: string[] = [];
      for (let i = 0; i < 20; i++) {
        built.mockClear();
        const p: JobListPage = await rig.lister.list({ filter, first: 25, after, caller: 'test' });
        perPage.push(built.mock.calls.length);
        ids.push(...p.edges.map((e) => e.job.id));
        after = p.edges.at(-1)?.cursor ?? null;
        if (!p.hasNextPage) break;
      }
      // Every job of the kept page, each once.
      expect(ids).toHaveLength(N);
      expect(new Set(ids).size).toBe(N);
      // A window of 26 rows (one more than the page, to know there is a next one) from where the last stopped.
      for (const rows of perPage) expect(rows).toBeLessThanOrEqual(2 * 26);
      expect(rig.operations().importexport).toEqual([]);
    } finally {
      built.mockRestore();
    }
  });

  it('are kept under a digest of their upstream token, never the token itself', () => {
    const keys = {
      provider: 'AWS_BATCH',
      key: 'batch:us-east-1:q',
      base: 'batch:us-east-1:q',
    } as const;
    expect(pageKey(keys, null)).toBe('batch:us-east-1:q#page:top');
    const token = 'eyJvcGFxdWUiOiJ1cHN0cmVhbS10b2tlbiJ9.c2lnbmF0dXJl';
    const key = pageKey(keys, token);
    expect(key.startsWith('batch:us-east-1:q#page:')).toBe(true);
    expect(key).not.toContain(token.slice(0, 12));
    expect(pageKey(keys, `${token}x`)).not.toBe(key);
    expect(pageKey(keys, token)).toBe(key);
  });
});
