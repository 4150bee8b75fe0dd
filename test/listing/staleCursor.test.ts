import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import { startEmulator, type EmulatorRequest } from '@jobgraph/emulators/framework';
import {
  createImportExportEmulator,
  type ImportExportEmulator,
} from '@jobgraph/emulators/importexport/emulator';
import {
  IN_PLACE_PROGRESSING_JOB_IDS,
  listedDemoJobs,
  startEmulators,
  type EmulatorSet,
} from '@jobgraph/emulators';
import { startDefaultAccountsGateway } from '../support/defaultAccountsGateway.ts';
import { EMULATOR_NAMES, gql } from '../support/gateway.ts';

/**
 * `listJobs` over Import/Export's upstream pages through the real HTTP server. jobgraph asks
 * Import/Export for its largest page (MaxJobs 1000), and the demo's 67 always come in one answer,
 * so a cursor holds an offset in the first upstream page and never a Marker. Here the emulator
 * answers at most 7 jobs a page (`listPageLimit`: MaxJobs is only a maximum, the service may
 * answer fewer with IsTruncated true), so pages go on by Marker (a cursor: the Marker of the
 * upstream page holding its next job, and an offset into it), and `expireJobs` lets the job a
 * cursor's Marker names expire out of the system. No snapshot or upstream page is kept
 * (JOBGRAPH_LIST_SNAPSHOT_SECONDS=0), so every page reads from its cursor's Marker: what this
 * file tests (test/listing/bigAccount.test.ts: kept pages serving a walk).
 *
 * The stack is the demo's (`startDemo`: the five emulators, the demo configuration pointed at them,
 * a read token), put together here because `startTestGateway` passes no emulator options; the
 * demo set's own Import/Export emulator is started but unused.
 */

const UPSTREAM_PAGE = 7;
const IMPORT_EXPORT = { providers: ['AWS_IMPORT_EXPORT'] };

interface Edge {
  cursor: string;
  node: { id: string; provider: string; createdAt: string };
}
interface Page {
  listJobs: {
    edges: Edge[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    sources: { provider: string; state: string; code: string | null }[];
  };
}

// No `state`: Import/Export's summaries carry none, and reading it would add describe calls.
const PAGE = `query Page($first: Int, $after: String, $filter: JobListFilter) {
  listJobs(first: $first, after: $after, filter: $filter) {
    edges { cursor node { id provider createdAt } }
    pageInfo { hasNextPage endCursor }
    sources { provider state code }
  }
}`;

let emulators: EmulatorSet;
let importExport: ImportExportEmulator;
let gateway: Gateway;
let token: string;
let anchorMs: number;
/** `[MaxJobs, Marker]` of each ListJobs request Import/Export received, in order. */
const listCalls: [string | null, string | null][] = [];

beforeAll(async () => {
  // A clock that stands still (near now, so signatures are in time), as in listJobs.test.ts.
  anchorMs = Date.now();
  const clock = { now: () => anchorMs, epochMs: anchorMs };
  const others = await startEmulators(clock);
  importExport = createImportExportEmulator({ ...clock, listPageLimit: UPSTREAM_PAGE });
  const capped = await startEmulator(importExport);
  emulators = {
    ...others,
    importexport: capped,
    close: async () => void (await Promise.all([others.close(), capped.close()])),
  };
  capped.events.on('request', (req: EmulatorRequest) => {
    const form = new URLSearchParams(req.body);
    if (form.get('Action') === 'ListJobs')
      listCalls.push([form.get('MaxJobs'), form.get('Marker')]);
  });
  ({ gateway, token } = await startDefaultAccountsGateway(emulators, 'stale-cursor-test', {
    JOBGRAPH_LIST_SNAPSHOT_SECONDS: '0',
  }));
});
afterAll(async () => {
  await gateway?.close();
  await emulators?.close();
});

async function page(variables: Record<string, unknown>) {
  return gql<Page>(gateway, PAGE, { variables, token });
}

/** Forget the calls so far: the call log and the ListJobs requests. */
function forget(): void {
  for (const name of EMULATOR_NAMES) emulators[name].calls.length = 0;
  listCalls.length = 0;
}

/** Each emulator's recorded calls, as `operation status`. */
function callLog(): Record<string, string[]> {
  return Object.fromEntries(
    EMULATOR_NAMES.map((name) => [
      name,
      emulators[name].calls.map((c) => `${c.operation} ${c.status}`),
    ]),
  );
}

/** Every job Import/Export lists, newest first (the progressing job is the newest), as global IDs. */
const importExportJobs = () => [
  IN_PLACE_PROGRESSING_JOB_IDS.importexport,
  ...listedDemoJobs(anchorMs).importexport.map((j) => j.globalId),
];

/** The Import/Export native JobId of a global ID. */
const native = (id: string) => id.slice('importexport:'.length);

describe('listJobs over Import/Export pages of 7 (listPageLimit)', () => {
  // This test runs first: the next one lets a listed job expire for the emulator's lifetime.
  it('walks every Import/Export job in pages of 7 as one page of 100 lists them, going on by Marker', async () => {
    const all = importExportJobs();
    const upstreamPages = Math.ceil(all.length / UPSTREAM_PAGE);
    // Marker of upstream page k (k = 0 the first): the last JobId of page k - 1.
    const marker = (k: number) => (k === 0 ? null : native(all[k * UPSTREAM_PAGE - 1]!));

    forget();
    const whole = await page({ first: 100, filter: IMPORT_EXPORT });
    expect(whole.body.errors).toBeUndefined();
    expect(whole.body.data!.listJobs.edges.map((e) => e.node.id)).toEqual(all);
    expect(whole.body.data!.listJobs.pageInfo.hasNextPage).toBe(false);
    // MaxJobs 1000 (the largest page), answered 7 at a time.
    expect(listCalls).toEqual(Array.from({ length: upstreamPages }, (_, k) => ['1000', marker(k)]));

    forget();
    const walked: string[] = [];
    const markersPerPage: (string | null)[][] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      listCalls.length = 0;
      const res = await page({ first: 7, after, filter: IMPORT_EXPORT });
      expect(res.body.errors).toBeUndefined();
      const conn = res.body.data!.listJobs;
      expect(conn.sources).toEqual([
        { provider: 'AWS_IMPORT_EXPORT', state: 'LISTED', code: null },
      ]);
      walked.push(...conn.edges.map((e) => e.node.id));
      markersPerPage.push(listCalls.map(([maxJobs, m]) => (expect(maxJobs).toBe('1000'), m)));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(walked).toEqual(all);
    // Page k starts from its cursor's Marker and reads the next upstream page to know whether
    // more follow; the last upstream page (4 jobs) ends the walk.
    expect(markersPerPage).toEqual(
      Array.from({ length: upstreamPages }, (_, k) =>
        k < upstreamPages - 1 ? [marker(k), marker(k + 1)] : [marker(k)],
      ),
    );
    // Only list calls, all to Import/Export.
    const log = callLog();
    expect(log.importexport).toEqual(
      Array.from({ length: 2 * upstreamPages - 1 }, () => 'ListJobs 200'),
    );
    for (const name of EMULATOR_NAMES.filter((n) => n !== 'importexport'))
      expect(log[name]).toEqual([]);
  });

  it('refuses a cursor whose Marker Import/Export no longer accepts: one ListJobs call, then BAD_USER_INPUT saying to list again', async () => {
    forget();
    const first = await page({ first: 7, filter: IMPORT_EXPORT });
    expect(first.body.errors).toBeUndefined();
    const edges = first.body.data!.listJobs.edges;
    const cursor = first.body.data!.listJobs.pageInfo.endCursor!;
    // The page read past the first upstream page: its Marker is the 7th job, the page's last.
    const markerJob = native(edges[6]!.node.id);
    expect(listCalls).toEqual([
      ['1000', null],
      ['1000', markerJob],
    ]);
    // With all providers, a page that reaches Import/Export's 8th job reads past it too: every
    // listed provider's jobs newer than that one (their progressing jobs, the newest, included)
    // and two more, so the count follows the demo data whichever providers list.
    const lists = listedDemoJobs(anchorMs);
    const eighth = importExportJobs()[UPSTREAM_PAGE]!;
    const eighthAt = lists.importexport.find((j) => j.globalId === eighth)!.createdAt;
    const newer = Object.values(lists)
      .flat()
      .filter((j) => j.createdAt > eighthAt).length;
    const mixed = await page({ first: newer + Object.keys(lists).length + 2 });
    expect(mixed.body.errors).toBeUndefined();
    expect(listCalls.slice(2).map(([, m]) => m)).toEqual([null, markerJob]);
    const mixedCursor = mixed.body.data!.listJobs.pageInfo.endCursor!;

    // While the job is there, the cursor goes on from its Marker.
    forget();
    const second = await page({ first: 7, after: cursor, filter: IMPORT_EXPORT });
    expect(second.body.errors).toBeUndefined();
    expect(second.body.data!.listJobs.edges.map((e) => e.node.id)).toEqual(
      importExportJobs().slice(7, 14),
    );
    expect(listCalls[0]).toEqual(['1000', markerJob]);

    importExport.expireJobs([markerJob]);
    forget();
    const stale = await page({ first: 7, after: cursor, filter: IMPORT_EXPORT });
    expect(stale.body.data).toBeNull();
    expect(stale.body.errors).toHaveLength(1);
    const [error] = stale.body.errors!;
    expect(error!.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'after' });
    expect(error!.message).toMatch(/"after".*AWS Import\/Export.*expired.*without `after`/);
    // Exactly one upstream call: the refused ListJobs from the Marker, not retried.
    expect(listCalls).toEqual([['1000', markerJob]]);
    expect(callLog()).toEqual({
      panorama: [],
      omics: [],
      cosbatch: [],
      importexport: ['ListJobs 400'],
      codepipeline: [],
      batch: [],
    });
    // Nothing of the upstream exchange in the answer: no address, Marker, code, request id or signature.
    for (const leak of [
      emulators.importexport.url,
      `127.0.0.1`,
      markerJob,
      'InvalidParameterException',
      'Marker',
      'AWS4-HMAC-SHA256',
      'Signature',
      'RequestId',
    ])
      expect(stale.text).not.toContain(leak);

    // The same with every provider asked: the page is refused, not listed without Import/Export.
    // Its cursor goes on from the upstream page holding its next Import/Export job, the second
    // (the page read no further): the same Marker.
    forget();
    const staleMixed = await page({ first: 40, after: mixedCursor });
    expect(staleMixed.body.data).toBeNull();
    expect(staleMixed.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(listCalls).toEqual([['1000', markerJob]]);
    expect(callLog().importexport).toEqual(['ListJobs 400']);
  });
});
