import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/app.ts';
import {
  startEmulator,
  type EmulatorRequest,
  type EmulatorResponse,
  type RunningEmulator,
} from '@jobgraph/emulators/framework';
import { createPanoramaEmulator } from '@jobgraph/emulators/panorama/emulator';
import { startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { startDefaultAccountsGateway } from '../support/defaultAccountsGateway.ts';
import { gql } from '../support/gateway.ts';

/**
 * A walk over Panorama's demo list (65 jobs, read whole into a snapshot) through the real HTTP
 * server, while the list changes upstream and the snapshot is renewed: the walk goes on by
 * keyset. The Panorama emulator here answers ListPackageImportJobs as always, then leaves out the
 * jobs the test removed and adds the ones it added (on the first page): the service's list
 * changing between two reads. The snapshots' clock is the test's (`listClock`).
 */

interface Edge {
  cursor: string;
  node: { id: string; createdAt: string };
}
interface Page {
  listJobs: {
    edges: Edge[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    sources: { provider: string; state: string }[];
  };
}
const PAGE = `query Page($first: Int, $after: String) {
  listJobs(first: $first, after: $after, filter: { providers: [AWS_PANORAMA] }) {
    edges { cursor node { id createdAt } }
    pageInfo { hasNextPage endCursor }
    sources { provider state }
  }
}`;

const PREFIX = 'panorama:us-east-1:';
const added: Record<string, unknown>[] = [];
const removed = new Set<string>();
/** Every summary's `CreatedTime` as the emulator sent it, by JobId (an added job can take one exactly). */
const createdTimes = new Map<string, unknown>();

let emulators: EmulatorSet;
let panorama: RunningEmulator;
let gateway: Gateway;
let token: string;
let listNow = Date.now();

beforeAll(async () => {
  const anchorMs = Date.now();
  const clock = { now: () => anchorMs, epochMs: anchorMs };
  const others = await startEmulators(clock);
  const inner = createPanoramaEmulator(clock);
  panorama = await startEmulator({
    ...inner,
    async handle(req: EmulatorRequest): Promise<EmulatorResponse> {
      const res = await inner.handle(req);
      if (inner.describe(req).operation !== 'ListPackageImportJobs' || res.status !== 200)
        return res;
      const body = JSON.parse(res.body) as { PackageImportJobs: Record<string, unknown>[] };
      for (const j of body.PackageImportJobs) createdTimes.set(j.JobId as string, j.CreatedTime);
      body.PackageImportJobs = body.PackageImportJobs.filter(
        (j) => !removed.has(j.JobId as string),
      );
      if (req.query.get('NextToken') === null) body.PackageImportJobs.push(...added);
      return { ...res, body: JSON.stringify(body) };
    },
  });
  emulators = {
    ...others,
    panorama,
    close: async () => void (await Promise.all([others.close(), panorama.close()])),
  };
  ({ gateway, token } = await startDefaultAccountsGateway(
    emulators,
    'snapshot-renewal-test',
    {},
    { listClock: () => listNow },
  ));
});
afterAll(async () => {
  await gateway?.close();
  await emulators?.close();
});

const listCalls = () =>
  panorama.calls.filter((c) => c.operation === 'ListPackageImportJobs').length;

async function page(first: number, after: string | null): Promise<Page['listJobs']> {
  const res = await gql<Page>(gateway, PAGE, { variables: { first, after }, token });
  expect(res.body.errors).toBeUndefined();
  const conn = res.body.data!.listJobs;
  expect(conn.sources).toEqual([{ provider: 'AWS_PANORAMA', state: 'LISTED' }]);
  return conn;
}

type Node = Edge['node'];
const ms = (n: Node) => Date.parse(n.createdAt);
/** The merged order: newest first, ties by global ID. */
const order = (a: Node, b: Node) => (ms(a) !== ms(b) ? ms(b) - ms(a) : a.id < b.id ? -1 : 1);
const summary = (jobId: string, createdTime: unknown) => ({
  CreatedTime: createdTime,
  JobId: jobId,
  JobType: 'NODE_PACKAGE_VERSION',
  LastUpdatedTime: createdTime,
  Status: 'SUCCEEDED',
  StatusMessage: 'added while a client walks',
});

describe('A walk over a snapshot that is renewed mid-walk', () => {
  it('goes on by keyset: the jobs added after its place are listed, those before it and the ones removed are not, nothing twice', async () => {
    // The whole list as it is now (one page of 100), then the walk's first three pages of 10.
    const before = (await page(100, null)).edges.map((e) => e.node);
    expect(before).toHaveLength(65);
    expect(listCalls()).toBe(3);
    const walked: Node[] = [];
    let after: string | null = null;
    for (let i = 0; i < 3; i++) {
      const conn = await page(10, after);
      walked.push(...conn.edges.map((e) => e.node));
      after = conn.pageInfo.endCursor;
    }
    // Served by the snapshot the first page made: no list call since.
    expect(listCalls()).toBe(3);
    expect(walked).toEqual(before.slice(0, 30));

    // The list changes upstream: four jobs added, two removed (one already walked past).
    const place = walked[29]!;
    const native = (n: Node) => n.id.slice(PREFIX.length);
    const newer = summary('pkgimport-added-newest', (Date.now() + 60_000) / 1000);
    const older = summary('pkgimport-added-older', (ms(place) - 3_600_000) / 1000);
    const tieAfter = summary(`${native(place)}z`, createdTimes.get(native(place)));
    const tieBefore = summary('0000-added-tie-before', createdTimes.get(native(place)));
    added.push(newer, older, tieAfter, tieBefore);
    const gone = before[40]!;
    removed.add(native(gone));
    removed.add(native(before[4]!));
    // The snapshot expires (JOBGRAPH_LIST_SNAPSHOT_SECONDS, 30 s): the next page reads Panorama again.
    listNow += 30_001;

    for (;;) {
      const conn = await page(10, after);
      walked.push(...conn.edges.map((e) => e.node));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    expect(listCalls()).toBe(6);
    const ids = walked.map((n) => n.id);
    expect(new Set(ids).size).toBe(ids.length);
    const addedAfter = [older, tieAfter].map((s) => `${PREFIX}${s.JobId}`);
    const expectedTail = [
      ...before.slice(30).filter((n) => n.id !== gone.id),
      ...walked.filter((n) => addedAfter.includes(n.id)),
    ].sort(order);
    expect(walked.slice(30)).toEqual(expectedTail);
    expect(ids).toEqual(expect.arrayContaining(addedAfter));
    for (const absent of [newer, tieBefore].map((s) => `${PREFIX}${s.JobId}`).concat(gone.id))
      expect(ids).not.toContain(absent);
    // The tie was placed by ID: the added job with the place's time and a greater ID comes right after it.
    expect(walked[30]!.id).toBe(`${PREFIX}${tieAfter.JobId}`);
  });
});
