import { ListPackageImportJobsCommand, PanoramaClient } from '@aws-sdk/client-panorama';
import { describe, expect, it } from 'vitest';
import { panorama } from '../../../src/datasources/panorama/index.ts';
import {
  PANORAMA_LIST_MAX_RESULTS,
  listRequest,
  parseListPage,
  type PanoramaJobSummary,
} from '../../../src/datasources/panorama/list.ts';
import { MalformedBodyError } from '../../../src/errors.ts';
import { createPanoramaEmulator } from '@jobgraph/emulators/panorama/emulator';
import { PANORAMA_LIST_JOB_COUNT } from '@jobgraph/emulators/panorama/listData';
import { fixtureNames, useFixtureSdk } from '../../support/fixtures.ts';
import { listFixtures, signedAwsSend, walkList } from '../../support/walkList.ts';
import { useEmulator } from '../../support/useEmulator.ts';
import { demoAwsSource, describedItems, expectSummaryAgrees } from '../../support/listedRecords.ts';

/** The golden ListPackageImportJobs answers under test/fixtures/panorama/list/. */
const NAMES = fixtureNames('panorama', 'list');
const { fixture, wire, lastPage } = listFixtures('panorama', (body) =>
  parseListPage(JSON.parse(body)),
);

const sdk = useFixtureSdk((config) => new PanoramaClient(config));

describe('Panorama ListPackageImportJobs request', () => {
  it('is a body-less GET of /packages/import-jobs with the capitalised query names', () => {
    expect(listRequest()).toEqual({
      method: 'GET',
      path: '/packages/import-jobs',
      query: [],
      headers: {},
      body: '',
    });
    expect(listRequest({ maxResults: 25, nextToken: 'a b/+=' })).toEqual({
      method: 'GET',
      path: '/packages/import-jobs',
      query: [
        ['MaxResults', '25'],
        ['NextToken', 'a b/+='],
      ],
      headers: {},
      body: '',
    });
    expect(listRequest({ nextToken: null }).query).toEqual([]);
  });

  it('asks what the real SDK asks', async () => {
    for (const input of [{}, { MaxResults: 7, NextToken: 'eyJ0b2tlbiI6MX0.x-y_z' }]) {
      const { client, requests } = sdk(fixture('page-empty'));
      await client.send(new ListPackageImportJobsCommand(input));
      const sent = requests[0];
      const ours = listRequest({
        ...(input.MaxResults ? { maxResults: input.MaxResults } : {}),
        ...(input.NextToken ? { nextToken: input.NextToken } : {}),
      });
      expect([sent?.method, sent?.path, sent?.query, sent?.hostname]).toEqual([
        ours.method,
        ours.path,
        Object.fromEntries(ours.query ?? []),
        'panorama.us-east-1.amazonaws.com',
      ]);
    }
  });

  it('refuses a page size outside 1..25', () => {
    expect(PANORAMA_LIST_MAX_RESULTS).toBe(25);
    for (const maxResults of [0, 26, 2.5, -1])
      expect(() => listRequest({ maxResults })).toThrow(RangeError);
  });
});

describe('Panorama ListPackageImportJobs parse', () => {
  it('reads a full page: summaries in the order sent, epoch seconds (decimal or scientific), the next token', () => {
    const page = wire('page-full');
    expect(page.nextToken).toMatch(/^eyJ/);
    expect(page.items.map((i) => [i.jobId, i.state, i.createdAt.toISOString()])).toEqual([
      ['pkgimport-3c4d5e6f7a8b9c0d', 'SUCCEEDED', '2026-10-18T08:00:00.100Z'],
      ['pkgimport-7e8f9a0b1c2d3e4f', 'FAILED', '2026-10-18T08:40:00.500Z'],
      ['pkgimport-9a0b1c2d3e4f5061', 'QUEUED', '2026-10-18T09:08:20.123Z'],
    ]);
    expect(page.items[0]).toEqual<PanoramaJobSummary>({
      jobId: 'pkgimport-3c4d5e6f7a8b9c0d',
      jobType: 'NODE_PACKAGE_VERSION',
      createdAt: new Date('2026-10-18T08:00:00.100Z'),
      updatedAt: new Date('2026-10-18T08:03:07.456Z'),
      completedAt: new Date('2026-10-18T08:03:07.456Z'),
      state: 'SUCCEEDED',
      upstreamStatus: 'SUCCEEDED',
      statusMessage: 'Package version 1.4 of shelf_monitor was imported.',
    });
    expect(page.items[2]).toMatchObject({
      state: 'QUEUED',
      upstreamStatus: 'PENDING',
      completedAt: null,
      jobType: 'NODE_PACKAGE_VERSION',
    });
    expect(page.items[1]?.jobType).toBe('MARKETPLACE_NODE_PACKAGE_VERSION');
  });

  it('reads the last page (no NextToken) and an empty page', () => {
    expect(wire('page-last').nextToken).toBeNull();
    expect(wire('page-last').items[0]?.statusMessage).toBe('');
    expect(wire('page-empty')).toEqual({ items: [], nextToken: null });
    expect(parseListPage({})).toEqual({ items: [], nextToken: null });
  });

  it('keeps unknown values as UNKNOWN or null, ignores unknown members, and reads an empty NextToken as the last page', () => {
    const page = lastPage('unknown-values');
    expect(page.items[0]).toMatchObject({
      jobType: null,
      state: 'UNKNOWN',
      upstreamStatus: 'CANCELLED',
      completedAt: null,
      updatedAt: null,
    });
    expect(page.items[1]).toMatchObject({
      jobType: null,
      state: null,
      upstreamStatus: null,
      statusMessage: null,
    });
  });

  it('refuses a summary without JobId or CreatedTime, and members of a wrong type, naming them', () => {
    expect(() => wire('missing-created-time')).toThrow(
      new MalformedBodyError('PackageImportJobs[0].CreatedTime is missing'),
    );
    expect(() => parseListPage({ PackageImportJobs: [{ CreatedTime: 1 }] })).toThrow(
      new MalformedBodyError('PackageImportJobs[0].JobId is missing'),
    );
    expect(() => parseListPage({ PackageImportJobs: {} })).toThrow(
      new MalformedBodyError('PackageImportJobs is not a list'),
    );
    expect(() => parseListPage({ PackageImportJobs: [null] })).toThrow(
      new MalformedBodyError('PackageImportJobs[0] is null'),
    );
    expect(() =>
      parseListPage({ PackageImportJobs: [{ JobId: 'x', CreatedTime: 'soon' }] }),
    ).toThrow(new MalformedBodyError('PackageImportJobs[0].CreatedTime is not a timestamp'));
    expect(() => parseListPage({ PackageImportJobs: [], NextToken: 5 })).toThrow(
      new MalformedBodyError('NextToken is not a string'),
    );
    expect(() => parseListPage(null)).toThrow(MalformedBodyError);
  });
});

/**
 * Every list fixture held against the real SDK deserialiser, as sdkOracle.test.ts holds the
 * describe fixtures: a 2xx reads the same from the SDK's output as from the raw JSON (or both
 * refuse it), and an error answer is the error the SDK names, at the fixture's status.
 */
describe('Panorama ListPackageImportJobs fixtures against the real SDK deserialiser', () => {
  it.each(NAMES)('reads %s as the SDK does', async (name) => {
    const f = fixture(name);
    const outcome = await sdk(f)
      .client.send(new ListPackageImportJobsCommand({}))
      .then(
        (output) => ({ output }),
        (error: { name: string; $metadata?: { httpStatusCode?: number } }) => ({ error }),
      );
    if (f.status >= 300) {
      expect(
        'error' in outcome && [outcome.error.name, outcome.error.$metadata?.httpStatusCode],
      ).toEqual([f.headers['x-amzn-ErrorType'], f.status]);
      return;
    }
    const lean = (() => {
      try {
        return { page: parseListPage(JSON.parse(f.body)) };
      } catch (err) {
        return { refused: err instanceof SyntaxError ? 'not JSON' : (err as Error).message };
      }
    })();
    if (!('output' in outcome)) {
      // The SDK could not read the body: neither may jobgraph.
      expect(lean).toEqual({ refused: 'not JSON' });
      return;
    }
    const viaSdk = (() => {
      try {
        return { page: parseListPage(outcome.output) };
      } catch (err) {
        return { refused: (err as Error).message };
      }
    })();
    expect(viaSdk).toEqual(lean);
  });
});

describe('Panorama ListPackageImportJobs against the emulator', () => {
  const emu = useEmulator(createPanoramaEmulator);

  it('walks every listed job, and each summary agrees with the describe record of the same job', async () => {
    const items = await walkList(
      signedAwsSend(emu, 'panorama'),
      (body) => parseListPage(JSON.parse(body)),
      (nextToken) => listRequest({ maxResults: 25, nextToken }),
    );
    expect(items).toHaveLength(PANORAMA_LIST_JOB_COUNT + 1);

    const described = await describedItems(
      demoAwsSource(panorama, emu.url),
      items,
      (item) => ({ provider: 'AWS_PANORAMA', region: 'us-east-1', jobId: item.jobId }),
      'pkgimport-demo-progressing',
    );
    for (const [item, record] of described) {
      expectSummaryAgrees(item, record, {
        updatedAt: [item.updatedAt?.toISOString() ?? null, record.updatedAt],
        statusMessage: [item.statusMessage, record.statusMessage],
        jobType: [item.jobType, record.jobType],
      });
    }
  });
});
