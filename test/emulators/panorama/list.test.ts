import {
  DescribePackageImportJobCommand,
  ListPackageImportJobsCommand,
  PanoramaClient,
  paginateListPackageImportJobs,
} from '@aws-sdk/client-panorama';
import { describe, expect, it } from 'vitest';
import type { RunningEmulator } from '@jobgraph/emulators/framework';
import type { ListOrder } from '@jobgraph/emulators/listing';
import { createPanoramaEmulator } from '@jobgraph/emulators/panorama/emulator';
import {
  PANORAMA_LIST_JOB_COUNT,
  PANORAMA_LIST_STATUS_COUNTS,
  panoramaListedJobs,
} from '@jobgraph/emulators/panorama/listData';
import { PANORAMA_PROGRESSING_JOB_ID } from '@jobgraph/emulators/panorama/progressing';
import { refusedSignatures, signedAws } from '../listClient.ts';
import { LIST_START, useListHarness } from '../listHarness.ts';
import { countBy, expectDemoListSize, walkedOnce } from '../listWalk.ts';
import { panoramaSummaryOf } from '../listSummaries.ts';

const START = LIST_START;
const harness = useListHarness();

const emulator = (listOrder?: ListOrder) => harness.startOn(createPanoramaEmulator, listOrder);

const sdk = (emu: RunningEmulator, region?: string) =>
  harness.client(new PanoramaClient(harness.sdkOptions(emu, region)));

/** Every page of a walk with `pageSize`, through the real SDK client. */
async function walk(emu: RunningEmulator, pageSize: number, between?: (page: number) => void) {
  const pages: { JobId: string; CreatedTime: Date; Status: string }[][] = [];
  let token: string | undefined;
  do {
    const out = await sdk(emu).send(
      new ListPackageImportJobsCommand({
        MaxResults: pageSize,
        ...(token ? { NextToken: token } : {}),
      }),
    );
    pages.push(
      (out.PackageImportJobs ?? []).map((j) => ({
        JobId: j.JobId as string,
        CreatedTime: j.CreatedTime as Date,
        Status: j.Status as string,
      })),
    );
    token = out.NextToken;
    between?.(pages.length);
  } while (token);
  return pages;
}

const errorOf = (body: string) =>
  JSON.parse(body) as { Message?: string; Reason?: string; Fields?: { Name: string }[] };

describe('Panorama ListPackageImportJobs demo data', () => {
  // Created in the 90 days before the start, IDs its own: test/emulators/listData.test.ts.
  const jobs = panoramaListedJobs(START);

  it('has at least 60 jobs over the 90 days before the start, every Status, PENDING ones the newest', () => {
    expectDemoListSize(jobs, PANORAMA_LIST_JOB_COUNT);
    const created = jobs.map((j) => (j.wire.CreatedTime as number) * 1000);
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    const counts = countBy(jobs, (j) => j.wire.Status as string);
    expect(counts).toEqual(PANORAMA_LIST_STATUS_COUNTS);
    expect(
      jobs.slice(0, PANORAMA_LIST_STATUS_COUNTS.PENDING).every((j) => j.wire.Status === 'PENDING'),
    ).toBe(true);
  });

  it('is the same on every run, relative to the start', () => {
    const later = panoramaListedJobs(START + 86_400_000);
    expect(later.map((j) => j.wire.JobId)).toEqual(jobs.map((j) => j.wire.JobId));
    expect(later.map((j) => (j.wire.CreatedTime as number) - 86_400)).toEqual(
      jobs.map((j) => j.wire.CreatedTime),
    );
  });
});

describe('The Panorama emulator ListPackageImportJobs', () => {
  const emu = harness.use(() => emulator());

  it('walks every job of the region once in pages of 7, oldest first, the progressing job last', async () => {
    const pages = await walk(emu, 7);
    const all = walkedOnce(pages, PANORAMA_LIST_JOB_COUNT);
    expect(pages.map((p) => p.length)).toEqual([
      ...Array.from({ length: Math.floor(all.length / 7) }, () => 7),
      ...(all.length % 7 ? [all.length % 7] : []),
    ]);
    const times = all.map((j) => j.CreatedTime.getTime());
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(all.at(-1)?.JobId).toBe(PANORAMA_PROGRESSING_JOB_ID);
    expect(new Set(all.map((j) => j.JobId))).toEqual(
      new Set([...panoramaListedJobs(START).map((j) => j.wire.JobId), PANORAMA_PROGRESSING_JOB_ID]),
    );
  });

  it('walks the same jobs with the SDK paginator at the largest page size', async () => {
    const seen: string[] = [];
    for await (const page of paginateListPackageImportJobs(
      { client: sdk(emu), pageSize: 25 },
      {},
    )) {
      const jobs = page.PackageImportJobs ?? [];
      expect(jobs.length).toBeLessThanOrEqual(25);
      seen.push(...jobs.map((j) => j.JobId as string));
    }
    expect(seen).toHaveLength(PANORAMA_LIST_JOB_COUNT + 1);
  });

  it('answers each summary as DescribePackageImportJob describes the job', async () => {
    const client = sdk(emu);
    const out = await client.send(new ListPackageImportJobsCommand({ MaxResults: 25 }));
    expect(out.PackageImportJobs).toHaveLength(25);
    for (const summary of out.PackageImportJobs ?? []) {
      const job = await client.send(new DescribePackageImportJobCommand({ JobId: summary.JobId }));
      expect(summary).toEqual(panoramaSummaryOf(job));
    }
  });

  it('writes the summaries as the service writes jobs: the model members only, epoch seconds, some in scientific notation', async () => {
    const res = await signedAws(emu, {
      service: 'panorama',
      method: 'GET',
      path: '/packages/import-jobs',
      query: { MaxResults: '25' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toMatch(/^\{"NextToken":"[^"]+","PackageImportJobs":\[\{"CreatedTime":/);
    expect(res.body).toMatch(/"CreatedTime":\d\.\d+E9,/);
    const body = JSON.parse(res.body) as { PackageImportJobs: Record<string, unknown>[] };
    for (const j of body.PackageImportJobs) {
      expect(Object.keys(j)).toEqual([
        'CreatedTime',
        'JobId',
        'JobType',
        'LastUpdatedTime',
        'Status',
        'StatusMessage',
      ]);
      expect(typeof j.CreatedTime).toBe('number');
    }
  });

  it('pages newest first when told to, with no repeat when a job is created during the walk', async () => {
    const newest = await emulator('newest-first');
    // The progressing job is recreated every cycle (a newer CreatedTime): move the clock a cycle after page 1.
    const pages = await walk(newest, 10, (page) => {
      if (page === 1) harness.now += 60_000;
    });
    const all = pages.flat();
    expect(all[0]?.JobId).toBe(PANORAMA_PROGRESSING_JOB_ID);
    expect(all).toHaveLength(PANORAMA_LIST_JOB_COUNT + 1);
    expect(new Set(all.map((j) => j.JobId)).size).toBe(all.length);
    const times = all.slice(1).map((j) => j.CreatedTime.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('answers MaxResults 0 or absent with the default page of 25, and 1 and 25 as asked', async () => {
    for (const [query, size] of [
      [{}, 25],
      [{ MaxResults: '0' }, 25],
      [{ MaxResults: '1' }, 1],
      [{ MaxResults: '25' }, 25],
    ] as const) {
      const res = await signedAws(emu, {
        service: 'panorama',
        method: 'GET',
        path: '/packages/import-jobs',
        query,
      });
      expect([
        res.status,
        (JSON.parse(res.body) as { PackageImportJobs: unknown[] }).PackageImportJobs.length,
      ]).toEqual([200, size]);
    }
  });

  it('refuses MaxResults outside 0..25 or not a number with ValidationException 400 naming it', async () => {
    for (const value of ['26', '-1', 'ten', '2.5']) {
      const res = await signedAws(emu, {
        service: 'panorama',
        method: 'GET',
        path: '/packages/import-jobs',
        query: { MaxResults: value },
      });
      expect([res.status, res.headers['x-amzn-errortype']]).toEqual([400, 'ValidationException']);
      const body = errorOf(res.body);
      expect(body).toMatchObject({
        Reason: 'FIELD_VALIDATION_FAILED',
        Fields: [{ Name: 'MaxResults' }],
      });
      expect(body.Message).toContain(`Value '${value}' at 'maxResults'`);
    }
  });

  it('refuses a NextToken it did not make, an empty one, one too long and one from another region with ValidationException 400', async () => {
    const first = await sdk(emu).send(new ListPackageImportJobsCommand({ MaxResults: 5 }));
    const token = first.NextToken as string;
    expect(token.length).toBeGreaterThan(0);
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const [NextToken, region] of [
      [tampered, 'us-east-1'],
      ['not-a-token', 'us-east-1'],
      ['', 'us-east-1'],
      ['x'.repeat(4097), 'us-east-1'],
      [token, 'us-west-2'],
    ] as const) {
      const res = await signedAws(emu, {
        service: 'panorama',
        region,
        method: 'GET',
        path: '/packages/import-jobs',
        query: { NextToken },
      });
      expect([
        res.status,
        res.headers['x-amzn-errortype'],
        errorOf(res.body).Fields?.[0]?.Name,
      ]).toEqual([400, 'ValidationException', 'NextToken']);
    }
    // The genuine token still works.
    const second = await sdk(emu).send(
      new ListPackageImportJobsCommand({ MaxResults: 5, NextToken: token }),
    );
    expect(second.PackageImportJobs).toHaveLength(5);
  });

  it('refuses a NextToken older than 24 hours as expired', async () => {
    const first = await sdk(emu).send(new ListPackageImportJobsCommand({ MaxResults: 5 }));
    harness.now += 24 * 3_600_000 + 1000;
    const res = await signedAws(emu, {
      service: 'panorama',
      method: 'GET',
      path: '/packages/import-jobs',
      query: { NextToken: first.NextToken as string },
    });
    expect([res.status, errorOf(res.body).Message]).toEqual([400, 'The NextToken has expired.']);
  });

  it('lists nothing in another region', async () => {
    const out = await sdk(emu, 'eu-west-1').send(new ListPackageImportJobsCommand({}));
    expect([out.PackageImportJobs, out.NextToken]).toEqual([[], undefined]);
  });

  it('refuses unsigned and wrongly signed requests as the describe route does', async () => {
    expect(
      await refusedSignatures(
        emu,
        { service: 'panorama', method: 'GET', path: '/packages/import-jobs' },
        'omics',
      ),
    ).toEqual([
      [403, 'MissingAuthenticationTokenException'],
      [403, 'InvalidSignatureException'],
      [403, 'InvalidSignatureException'],
    ]);
  });

  it('records the call as ListPackageImportJobs with the region as its job prefix', async () => {
    emu.calls.length = 0;
    await sdk(emu).send(new ListPackageImportJobsCommand({ MaxResults: 1 }));
    expect(emu.calls).toEqual([
      {
        method: 'GET',
        path: '/packages/import-jobs',
        operation: 'ListPackageImportJobs',
        job: 'us-east-1/',
        status: 200,
      },
    ]);
  });
});
