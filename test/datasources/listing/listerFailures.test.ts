import { once } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { createJobLister } from '../../../src/datasources/listing/index.ts';
import { CursorCodec } from '../../../src/datasources/listing/cursor.ts';
import { planList } from '../../../src/datasources/listing/plan.ts';
import { BadUserInputError } from '../../../src/errors.ts';
import { STORE_1, STORE_2, ids, refusal, sourceReport, useListerRig } from './listerSupport.ts';
import { EMULATORS, TEST_CURSOR_SECRET } from './support.ts';

/**
 * The lister, over the real emulators' demo data (listerSupport.ts), when something goes wrong or
 * is held: a source that fails, a cursor refused, a list call held in its provider's cap or given
 * up by its caller. What it lists and what that costs: lister.test.ts.
 */

const rig = useListerRig();

const totalCalls = () => EMULATORS.reduce((n, name) => n + rig.emulators[name].calls.length, 0);

describe('A source that fails', () => {
  it('is reported FAILED with its code while the others list', async () => {
    rig.emulators.panorama.setFaults({
      jobPrefix: 'us-east-1/',
      errorAnswer: { status: 403, code: 'AccessDeniedException', message: 'no', requestId: 'r-1' },
    });
    rig.emulators.omics.setFaults({
      jobPrefix: `us-east-1/${STORE_2}/`,
      errorAnswer: {
        status: 404,
        code: 'ResourceNotFoundException',
        message: 'gone',
        requestId: 'r-2',
      },
    });
    const page = await rig.page({ first: 100 });
    expect(page.sources.slice(0, 3)).toEqual([
      sourceReport('AWS_PANORAMA', 'us-east-1', {
        state: 'FAILED',
        code: 'UPSTREAM_ACCESS_DENIED',
      }),
      sourceReport('AWS_OMICS', 'us-east-1', { referenceStoreId: STORE_1 }),
      sourceReport('AWS_OMICS', 'us-east-1', {
        referenceStoreId: STORE_2,
        state: 'FAILED',
        code: 'NOT_FOUND',
      }),
    ]);
    const left = (await rig.walk(100)).pages.flatMap((p) => p.edges.map((e) => e.job.id));
    expect(ids(page)).toEqual(left.slice(0, 100));
    expect(left.some((id) => id.startsWith('panorama:') || id.includes(`:${STORE_2}:`))).toBe(
      false,
    );
  });

  it('is FAILED with UPSTREAM_UNAVAILABLE, uncalled, while its region’s circuit is open', async () => {
    const healthy = (await rig.page({})).upstreamCalls;
    const panoramaCalls = rig.operations().panorama.length;
    rig.clearCalls();
    const isolation = rig.sources.AWS_PANORAMA.breakers.forRegion('us-east-1').isolate();
    try {
      const page = await rig.page({});
      expect(page.sources[0]).toMatchObject({ state: 'FAILED', code: 'UPSTREAM_UNAVAILABLE' });
      expect(rig.operations().panorama).toEqual([]);
      expect(page.upstreamCalls).toBe(healthy - panoramaCalls);
    } finally {
      isolation.dispose();
    }
  });

  it('is an Import/Export failure the same way, and COS Batch without an account is NOT_CONFIGURED, uncalled', async () => {
    rig.emulators.importexport.setFaults({
      errorAnswer: { status: 403, code: 'InvalidAccessKeyId', message: 'no', requestId: 'r-3' },
    });
    const noAccount = createJobLister(rig.sources, {
      ...rig.config,
      tencent: { ...rig.config.tencent, uin: null },
    });
    const page = await noAccount.list({ filter: {}, first: 30, after: null, caller: 'test' });
    // After Panorama and HealthOmics's two reference stores, its runs and its run batches.
    expect(page.sources.slice(5, 7)).toEqual([
      sourceReport('TENCENT_COS_BATCH', 'ap-guangzhou', {
        state: 'NOT_CONFIGURED',
        code: 'PROVIDER_NOT_CONFIGURED',
      }),
      sourceReport('AWS_IMPORT_EXPORT', null, { state: 'FAILED', code: 'UPSTREAM_ACCESS_DENIED' }),
    ]);
    expect(rig.operations().cosbatch).toEqual([]);
    expect(page.edges).toHaveLength(30);
    const left = new Set(page.edges.map((e) => e.job.provider));
    expect(left.has('TENCENT_COS_BATCH') || left.has('AWS_IMPORT_EXPORT')).toBe(false);
  });
});

/** A cursor of the unfiltered list, a day back, whose Import/Export Marker names no job (any more). */
function staleImportExportCursor(): string {
  const plan = planList({}, { awsRegion: 'us-east-1', cosRegion: 'ap-guangzhou' });
  return new CursorCodec(TEST_CURSOR_SECRET).encode({
    keyset: { createdMs: rig.anchorMs - 86_400_000, id: 'panorama:us-east-1:x' },
    filter: plan.digest,
    positions: { importexport: { token: 'GONE1', offset: 2 } },
  });
}

describe('Listing cursors', () => {
  it('are refused before any upstream call when forged, made with another secret, or made for other filters', async () => {
    const first = await rig.page({ first: 5 });
    const cursor = first.edges[4]!.cursor;
    rig.clearCalls();
    await refusal(() => rig.page({ after: `${cursor.slice(0, -4)}AAAA` }));
    await refusal(() => rig.page({ after: 'eyJ2IjoxfQ' }));
    const other = createJobLister(rig.sources, {
      ...rig.config,
      listing: {
        ...rig.config.listing,
        cursorSecret: 'another-secret-at-least-32-characters-long',
      },
    });
    await refusal(() => other.list({ filter: {}, first: 5, after: cursor, caller: 'test' }));
    const filters = await refusal(() =>
      rig.page({ after: cursor, filter: { providers: ['AWS_PANORAMA'] } }),
    );
    expect(filters.message).toContain('other filters');
    expect(filters.extensions.argument).toBe('after');
    expect(totalCalls()).toBe(0);
    // Every edge has its own cursor, and any of them pages on from its edge.
    const from3 = await rig.page({ after: first.edges[2]!.cursor, first: 2 });
    expect(ids(from3)).toEqual(ids(first).slice(3, 5));
  });

  it('whose upstream position the provider no longer accepts are BAD_USER_INPUT saying so', async () => {
    const stale = staleImportExportCursor();
    const err = await refusal(() => rig.page({ after: stale }));
    expect(err.message).toMatch(/"after".*AWS Import\/Export.*expired.*without `after`/);
    expect(err.extensions.argument).toBe('after');
  });

  it('refused by one source stop the other sources’ calls of that page', async () => {
    const stale = staleImportExportCursor();
    // Panorama's first page is held in flight while Import/Export refuses the Marker.
    rig.emulators.panorama.setFaults({ hold: true });
    const arrived = once(rig.emulators.panorama.events, 'request');
    const page = rig.page({ after: stale });
    // The refusal may come before the held call arrives (Panorama is read into its snapshot
    // meanwhile): its expectation is attached first, so the rejection is never left unheard.
    const refused = expect(page).rejects.toBeInstanceOf(BadUserInputError);
    await arrived;
    await refused;
    // The held call was given up at once: its slot in the caller's share is free again well before
    // the page deadline (JOBGRAPH_UPSTREAM_BUDGET_MS, 15 s), which alone freed it before.
    await vi.waitFor(() => expect(rig.sources.AWS_PANORAMA.limit.activeCount).toBe(0), {
      timeout: 10_000,
    });
  });
});

describe('List calls', () => {
  it('run in the caller’s fair share of the provider’s cap', async () => {
    const limit = rig.sources.AWS_PANORAMA.limit;
    rig.emulators.panorama.setFaults({ hold: true });
    const arrived = once(rig.emulators.panorama.events, 'request');
    const page = rig.page({ caller: 'alice', filter: { providers: ['AWS_PANORAMA'] } });
    await arrived;
    expect(limit.activeCount).toBe(1);
    rig.emulators.panorama.setFaults({ hold: false });
    expect((await page).edges).toHaveLength(25);
    expect(limit.activeCount).toBe(0);
  });

  it('stop when the caller’s signal aborts (the request went away)', async () => {
    rig.emulators.panorama.setFaults({ hold: true });
    const arrived = once(rig.emulators.panorama.events, 'request');
    const abort = new AbortController();
    const page = rig.lister.list({
      filter: {},
      first: 25,
      after: null,
      caller: 'test',
      signal: abort.signal,
    });
    await arrived;
    const reason = new Error('client went away');
    abort.abort(reason);
    await expect(page).rejects.toBe(reason);
    expect(rig.sources.AWS_PANORAMA.limit.activeCount).toBe(0);
  });
});
