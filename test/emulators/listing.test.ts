import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEMO_OMICS_REFERENCE_STORE_IDS,
  IN_PLACE_PROGRESSING_JOB_IDS,
  listedDemoJobs,
  startEmulators,
  type EmulatorSet,
} from '@jobgraph/emulators';
import {
  LIST_WINDOW_MS,
  assignStatuses,
  compareListed,
  listedAfter,
  opaqueTokens,
  sortListed,
  spreadCreationTimes,
  takePage,
  uuidFor,
} from '@jobgraph/emulators/listing';
import { importExportCall, signAt, signedAws, signedCos } from './listClient.ts';

describe('The emulators’ list paging', () => {
  const jobs = [
    { createdMs: 3, id: 'c' },
    { createdMs: 1, id: 'a' },
    { createdMs: 2, id: 'b2' },
    { createdMs: 2, id: 'b1' },
  ];

  it('orders by creation time either way, ties by ID ascending', () => {
    expect(sortListed(jobs, 'oldest-first').map((j) => j.id)).toEqual(['a', 'b1', 'b2', 'c']);
    expect(sortListed(jobs, 'newest-first').map((j) => j.id)).toEqual(['c', 'b1', 'b2', 'a']);
    expect(
      compareListed('newest-first')({ createdMs: 2, id: 'x' }, { createdMs: 2, id: 'x' }),
    ).toBe(0);
  });

  it('continues strictly after a position, also one that is no longer in the list', () => {
    const sorted = sortListed(jobs, 'oldest-first');
    expect(
      listedAfter(sorted, { createdMs: 2, id: 'b1' }, 'oldest-first').map((j) => j.id),
    ).toEqual(['b2', 'c']);
    expect(
      listedAfter(sorted, { createdMs: 2, id: 'b15' }, 'oldest-first').map((j) => j.id),
    ).toEqual(['b2', 'c']);
    expect(listedAfter(sorted, null, 'oldest-first')).toHaveLength(4);
    expect(takePage(sorted, 3)).toEqual({ items: sorted.slice(0, 3), more: true });
    expect(takePage(sorted, 4).more).toBe(false);
  });

  it('makes opaque tokens that carry the position, refuse tampering and other scopes, and expire', () => {
    const tokens = opaqueTokens('secret', 1000);
    const token = tokens.issue('scope-a', { createdMs: 42, id: 'job-42' }, 5000);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{32}$/);
    expect(token).not.toContain('job-42');
    expect(tokens.read(token, 'scope-a', 6000)).toEqual({
      ok: true,
      position: { createdMs: 42, id: 'job-42' },
    });
    expect(tokens.read(token, 'scope-a', 6001)).toEqual({ ok: false, refusal: 'expired' });
    expect(tokens.read(token, 'scope-b', 5000)).toEqual({ ok: false, refusal: 'foreign' });
    expect(tokens.read(`x${token}`, 'scope-a', 5000)).toEqual({ ok: false, refusal: 'malformed' });
    expect(tokens.read('no-dot', 'scope-a', 5000)).toEqual({ ok: false, refusal: 'malformed' });
    expect(opaqueTokens('other').read(token, 'scope-a', 5000)).toEqual({
      ok: false,
      refusal: 'malformed',
    });
  });

  it('spreads creation times over the 90 days before the anchor, newest first, the same every run', () => {
    const anchor = Date.parse('2026-11-02T10:00:00Z');
    const times = spreadCreationTimes(anchor, 70, 'seed', 1000);
    expect(times).toEqual(spreadCreationTimes(anchor, 70, 'seed', 1000));
    expect(times).toHaveLength(70);
    for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThan(times[i - 1] as number);
    expect(
      (times[0] as number) < anchor && (times.at(-1) as number) > anchor - LIST_WINDOW_MS,
    ).toBe(true);
    expect(times.every((t) => t % 1000 === 0)).toBe(true);
  });

  it('puts the recent statuses first and refuses counts that do not add up', () => {
    const statuses = assignStatuses(
      5,
      [['RUNNING', 2]],
      [
        ['DONE', 2],
        ['FAILED', 1],
      ],
      's',
    );
    expect(statuses.slice(0, 2)).toEqual(['RUNNING', 'RUNNING']);
    expect([...statuses.slice(2)].sort()).toEqual(['DONE', 'DONE', 'FAILED']);
    expect(() => assignStatuses(4, [['RUNNING', 2]], [['DONE', 1]], 's')).toThrow(
      'status counts add up to 3, not 4',
    );
  });

  it('makes UUID-shaped IDs', () => {
    expect(uuidFor('x')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(uuidFor('x')).toBe(uuidFor('x'));
  });

  it('dates every listed demo job, of either account, as long before the start at any start (no table on calendar days)', () => {
    // Each job's distance before the start, at two starts 400 days and some hours apart: a table
    // left on fixed days (HealthOmics' runs were) ages with the calendar and changes its place
    // among the others.
    const ages = (anchor: number, account: 'default' | 'staging') =>
      Object.values(listedDemoJobs(anchor, { account }))
        .flat()
        .map((j) => [j.globalId, anchor - Date.parse(j.createdAt)] as const)
        .sort(([a], [b]) => (a < b ? -1 : 1));
    const start = Date.parse('2026-11-29T14:25:00Z');
    const later = start + 400 * 86_400_000 + 7 * 3_600_000;
    for (const account of ['default', 'staging'] as const) {
      const now = ages(start, account);
      expect(now.length, account).toBeGreaterThan(10);
      expect(
        now.every(([, age]) => age >= 0),
        account,
      ).toBe(true);
      expect(ages(later, account), account).toEqual(now);
    }
  });
});

describe('The four list operations of the emulator set', () => {
  const START = Date.parse('2026-11-02T10:00:00.000Z');
  let set: EmulatorSet;
  beforeAll(async () => {
    signAt(() => START);
    set = await startEmulators({
      now: () => START,
      listOrder: { panorama: 'newest-first', omics: 'newest-first', cosbatch: 'newest-first' },
    });
  });
  afterAll(async () => {
    await set.close();
  });

  it('list exactly the jobs listedDemoJobs names, with the progressing jobs, newest first when set to', async () => {
    const expected = listedDemoJobs(START);
    const ids = (list: { globalId: string }[]) => list.map((j) => j.globalId);

    const panorama = JSON.parse(
      (
        await signedAws(set.panorama, {
          service: 'panorama',
          method: 'GET',
          path: '/packages/import-jobs',
          query: { MaxResults: '25' },
        })
      ).body,
    ) as {
      PackageImportJobs: { JobId: string }[];
    };
    expect(panorama.PackageImportJobs.map((j) => `panorama:us-east-1:${j.JobId}`)).toEqual([
      IN_PLACE_PROGRESSING_JOB_IDS.panorama,
      ...ids(expected.panorama).slice(0, 24),
    ]);

    const omics: string[] = [];
    for (const store of DEMO_OMICS_REFERENCE_STORE_IDS) {
      const res = await signedAws(set.omics, {
        service: 'omics',
        method: 'POST',
        path: `/referencestore/${store}/importjobs`,
        body: '{}',
        headers: { 'content-type': 'application/json' },
      });
      omics.push(
        ...(JSON.parse(res.body) as { importJobs: { id: string }[] }).importJobs.map(
          (j) => `omics:us-east-1:${store}:${j.id}`,
        ),
      );
    }
    // And the run batches (ListBatch, one page).
    const batches = await signedAws(set.omics, {
      service: 'omics',
      method: 'GET',
      path: '/runBatch',
    });
    omics.push(
      ...(JSON.parse(batches.body) as { items: { id: string }[] }).items.map(
        (b) => `omicsbatch:us-east-1:${b.id}`,
      ),
    );
    // And the workflow runs (ListRuns, one page), each named by the uuid its GetRun answers.
    const runs = await signedAws(set.omics, { service: 'omics', method: 'GET', path: '/run' });
    for (const { id } of (JSON.parse(runs.body) as { items: { id: string }[] }).items) {
      const run = await signedAws(set.omics, {
        service: 'omics',
        method: 'GET',
        path: `/run/${id}`,
      });
      omics.push(`omicsrun:us-east-1:${(JSON.parse(run.body) as { uuid: string }).uuid}:${id}`);
    }
    expect(new Set(omics)).toEqual(
      new Set([set.progressingJobIds().omics, ...ids(expected.omics)]),
    );

    const cos = await signedCos(set.cosbatch, '/jobs');
    const cosIds = [...cos.body.matchAll(/<JobId>([^<]+)<\/JobId>/g)].map(
      (m) => `cos:ap-guangzhou:100000000001:${m[1]}`,
    );
    expect(cosIds).toEqual([IN_PLACE_PROGRESSING_JOB_IDS.cosbatch, ...ids(expected.cosbatch)]);

    const ie = await importExportCall(set.importexport, { Action: 'ListJobs' });
    const ieIds = [...ie.body.matchAll(/<JobId>([^<]+)<\/JobId>/g)].map(
      (m) => `importexport:${m[1]}`,
    );
    expect(ieIds).toEqual([
      IN_PLACE_PROGRESSING_JOB_IDS.importexport,
      ...ids(expected.importexport),
    ]);

    // The four operations here page at most 25…1000 a call: each demo list is long enough to page.
    // (AWS Batch's 14 demo jobs are test/emulators/batch's; its big queues JOBS_PER_SOURCE's.)
    for (const name of ['panorama', 'omics', 'cosbatch', 'importexport'] as const)
      expect(expected[name].length).toBeGreaterThanOrEqual(60);
  });
});

describe('Lists without the progressing jobs (listProgressing: false, the watch moonshot)', () => {
  const START = Date.parse('2026-11-02T10:00:00.000Z');
  let at = START;
  let set: EmulatorSet;
  beforeAll(async () => {
    signAt(() => at);
    set = await startEmulators({ now: () => at, listProgressing: false });
  });
  afterAll(async () => {
    await set.close();
  });

  it('list only the data’s jobs, the same bytes as the clock moves; the progressing job is still described', async () => {
    const expected = listedDemoJobs(START);
    const cosIds = (body: string) =>
      [...body.matchAll(/<JobId>([^<]+)<\/JobId>/g)].map(
        (m) => `cos:ap-guangzhou:100000000001:${m[1]}`,
      );
    const first = await signedCos(set.cosbatch, '/jobs');
    const listedCos = cosIds(first.body);
    expect(listedCos).toHaveLength(expected.cosbatch.length);
    expect(new Set(listedCos)).toEqual(new Set(expected.cosbatch.map((j) => j.globalId)));
    const ie = await importExportCall(set.importexport, { Action: 'ListJobs' });
    expect(ie.body).not.toContain(IN_PLACE_PROGRESSING_JOB_IDS.importexport.split(':').pop());

    // 20 s on, the progressing job has changed its status: the list has not.
    at = START + 20_000;
    expect((await signedCos(set.cosbatch, '/jobs')).body).toBe(first.body);
    const progressing = IN_PLACE_PROGRESSING_JOB_IDS.cosbatch.split(':').pop()!;
    const described = await signedCos(set.cosbatch, `/jobs/${progressing}`);
    expect(described.status).toBe(200);
    expect(described.body).toContain(`<JobId>${progressing}</JobId>`);
  });
});
