import {
  ListReferenceImportJobsCommand,
  ListReferenceStoresCommand,
  OmicsClient,
} from '@aws-sdk/client-omics';
import { describe, expect, it } from 'vitest';
import { omics } from '../../../src/datasources/omics/index.ts';
import {
  OMICS_LIST_MAX_RESULTS,
  listReferenceStoresRequest,
  listRequest,
  parseListPage,
  parseReferenceStoresPage,
  type OmicsJobSummary,
} from '../../../src/datasources/omics/list.ts';
import type { WireRequest } from '../../../src/datasources/shared/source.ts';
import { MalformedBodyError } from '../../../src/errors.ts';
import {
  OMICS_DEMO_REFERENCE_STORE_ID,
  OMICS_DEMO_SECOND_STORE_ID,
} from '@jobgraph/emulators/omics/data';
import { createOmicsEmulator } from '@jobgraph/emulators/omics/emulator';
import { omicsListJobCount } from '@jobgraph/emulators/omics/listData';
import { OMICS_PROGRESSING_RUNS } from '@jobgraph/emulators/omics/progressing';
import { fixtureNames, useFixtureSdk } from '../../support/fixtures.ts';
import { signedAws } from '../../emulators/listClient.ts';
import { useEmulator } from '../../support/useEmulator.ts';
import { demoAwsSource, describedItems, expectSummaryAgrees } from '../../support/listedRecords.ts';
import { listFixtures } from '../../support/walkList.ts';

/** The golden answers under test/fixtures/omics/list/: `stores-*` are ListReferenceStores', the others ListReferenceImportJobs'. */
const NAMES = fixtureNames('omics', 'list');
const { fixture, wire, lastPage } = listFixtures('omics', (body) =>
  parseListPage(JSON.parse(body)),
);

const sdk = useFixtureSdk((config) => new OmicsClient(config));

const bodyText = (body: unknown) =>
  typeof body === 'string' ? body : Buffer.from(body as Uint8Array).toString('utf8');

describe('HealthOmics list requests', () => {
  it('ListReferenceImportJobs is a POST with the page in the query, the filter in a JSON body, and the control-storage- host prefix', () => {
    expect(listRequest({ referenceStoreId: '5038720581' })).toEqual({
      method: 'POST',
      path: '/referencestore/5038720581/importjobs',
      query: [],
      headers: { 'content-type': 'application/json' },
      body: '{}',
      hostPrefix: 'control-storage-',
    });
    const full = listRequest({
      referenceStoreId: '5038720581',
      maxResults: 100,
      nextToken: 'tok',
      filter: {
        status: 'FAILED',
        createdAfter: new Date('2026-08-01T00:00:00Z'),
        createdBefore: new Date('2026-09-01T12:30:00.250Z'),
      },
    });
    expect(full.query).toEqual([
      ['maxResults', '100'],
      ['nextToken', 'tok'],
    ]);
    expect(full.body).toBe(
      '{"filter":{"status":"FAILED","createdAfter":"2026-08-01T00:00:00Z","createdBefore":"2026-09-01T12:30:00.250Z"}}',
    );
  });

  it('ListReferenceStores is a POST of /referencestores the same way', () => {
    expect(
      listReferenceStoresRequest({ maxResults: 1, filter: { name: 'human-references' } }),
    ).toEqual({
      method: 'POST',
      path: '/referencestores',
      query: [['maxResults', '1']],
      headers: { 'content-type': 'application/json' },
      body: '{"filter":{"name":"human-references"}}',
      hostPrefix: 'control-storage-',
    });
  });

  it('asks what the real SDK asks', async () => {
    const cases: [WireRequest, ListReferenceImportJobsCommand | ListReferenceStoresCommand][] = [
      [
        listRequest({ referenceStoreId: '1234567890' }),
        new ListReferenceImportJobsCommand({ referenceStoreId: '1234567890' }),
      ],
      [
        listRequest({
          referenceStoreId: '1234567890',
          maxResults: 5,
          nextToken: 'a b+/=',
          filter: { status: 'COMPLETED', createdAfter: new Date('2024-01-01T00:00:00Z') },
        }),
        new ListReferenceImportJobsCommand({
          referenceStoreId: '1234567890',
          maxResults: 5,
          nextToken: 'a b+/=',
          filter: { status: 'COMPLETED', createdAfter: new Date('2024-01-01T00:00:00Z') },
        }),
      ],
      [
        listReferenceStoresRequest({
          filter: { createdBefore: new Date('2024-02-01T00:00:00.123Z') },
        }),
        new ListReferenceStoresCommand({
          filter: { createdBefore: new Date('2024-02-01T00:00:00.123Z') },
        }),
      ],
    ];
    for (const [ours, command] of cases) {
      const { client, requests } = sdk(fixture('page-empty'));
      await client.send(command as ListReferenceImportJobsCommand);
      const sent = requests[0];
      expect([
        sent?.method,
        sent?.path,
        sent?.query,
        sent?.headers['content-type'],
        JSON.parse(bodyText(sent?.body)),
        sent?.hostname,
      ]).toEqual([
        ours.method,
        ours.path,
        Object.fromEntries(ours.query ?? []),
        ours.headers['content-type'],
        JSON.parse(ours.body),
        `${ours.hostPrefix}omics.us-east-1.amazonaws.com`,
      ]);
    }
  });

  it('refuses a page size outside 1..100', () => {
    expect(OMICS_LIST_MAX_RESULTS).toBe(100);
    for (const maxResults of [0, 101, 1.5]) {
      expect(() => listRequest({ referenceStoreId: '5038720581', maxResults })).toThrow(RangeError);
      expect(() => listReferenceStoresRequest({ maxResults })).toThrow(RangeError);
    }
  });
});

describe('HealthOmics list parse', () => {
  it('reads a full page of import jobs: ISO-8601 times, the state through the state table, the next token', () => {
    const page = wire('page-full');
    expect(page.nextToken).toMatch(/^eyJ/);
    expect(page.items[0]).toEqual<OmicsJobSummary>({
      jobId: '8120000071',
      referenceStoreId: '5038720581',
      roleArn: 'arn:aws:iam::123456789012:role/OmicsReferenceImportRole',
      createdAt: new Date('2026-08-05T03:12:44.120Z'),
      completedAt: new Date('2026-08-05T03:31:02.981Z'),
      state: 'SUCCEEDED',
      upstreamStatus: 'COMPLETED',
      status: 'COMPLETED',
    });
    expect(page.items.map((i) => [i.state, i.completedAt?.toISOString() ?? null])).toEqual([
      ['SUCCEEDED', '2026-08-05T03:31:02.981Z'],
      ['SUCCEEDED_WITH_ERRORS', '2026-08-06T18:02:15.500Z'],
      ['IN_PROGRESS', null],
    ]);
  });

  it('reads the last page, an empty page, an unknown status, a time offset and a null nextToken', () => {
    expect(wire('page-last')).toMatchObject({
      nextToken: null,
      items: [{ jobId: '8130000002', state: 'CANCELLED', referenceStoreId: '7321480963' }],
    });
    expect(wire('page-empty')).toEqual({ items: [], nextToken: null });
    const unknown = lastPage('unknown-status');
    expect(unknown.items[0]).toMatchObject({
      state: 'UNKNOWN',
      upstreamStatus: 'PAUSED',
      status: null,
    });
    expect(unknown.items[1]).toMatchObject({
      state: null,
      upstreamStatus: null,
      referenceStoreId: null,
      createdAt: new Date('2026-10-31T22:05:00.000Z'),
    });
  });

  it('refuses an epoch number where the model says date-time, an item without id or creationTime, and wrong types', () => {
    expect(() => wire('epoch-creation-time')).toThrow(
      new MalformedBodyError('importJobs[0].creationTime is not a date-time'),
    );
    expect(() => parseListPage({ importJobs: [{ id: '8120000001' }] })).toThrow(
      new MalformedBodyError('importJobs[0].creationTime is missing'),
    );
    expect(() => parseListPage({ importJobs: [{ creationTime: '2026-01-01T00:00:00Z' }] })).toThrow(
      new MalformedBodyError('importJobs[0].id is missing'),
    );
    expect(() => parseListPage({ importJobs: 'none' })).toThrow(
      new MalformedBodyError('importJobs is not a list'),
    );
    expect(() => parseListPage([])).toThrow(MalformedBodyError);
  });

  it('reads reference stores', () => {
    const first = parseReferenceStoresPage(JSON.parse(fixture('stores-page-full').body));
    expect(first.nextToken).toMatch(/^eyJ/);
    expect(first.items).toEqual([
      {
        id: '5038720581',
        arn: 'arn:aws:omics:us-east-1:123456789012:referenceStore/5038720581',
        name: 'human-references',
        description: 'Human and model-organism reference genomes',
        createdAt: new Date('2024-06-20T08:00:00.000Z'),
        sseConfig: { type: 'KMS', keyArn: null },
      },
    ]);
    const last = parseReferenceStoresPage(JSON.parse(fixture('stores-page-last').body));
    expect([last.nextToken, last.items[0]?.sseConfig?.keyArn, last.items[0]?.description]).toEqual([
      null,
      'arn:aws:kms:us-east-1:123456789012:key/0f6b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
      null,
    ]);
    expect(parseReferenceStoresPage(JSON.parse(fixture('stores-page-empty').body))).toEqual({
      items: [],
      nextToken: null,
    });
    expect(() => parseReferenceStoresPage({ referenceStores: [{ name: 'x' }] })).toThrow(
      new MalformedBodyError('referenceStores[0].id is missing'),
    );
  });
});

/** Every list fixture held against the real SDK deserialiser (see the Panorama list test). */
describe('HealthOmics list fixtures against the real SDK deserialiser', () => {
  it.each(NAMES)('reads %s as the SDK does', async (name) => {
    const f = fixture(name);
    const stores = name.startsWith('stores-');
    const command = stores
      ? new ListReferenceStoresCommand({})
      : new ListReferenceImportJobsCommand({ referenceStoreId: '5038720581' });
    const parse = stores ? parseReferenceStoresPage : parseListPage;
    const outcome = await sdk(f)
      .client.send(command as ListReferenceImportJobsCommand)
      .then(
        (output) => ({ output }),
        (error: { name: string; $metadata?: { httpStatusCode?: number } }) => ({ error }),
      );
    if (f.status >= 300) {
      const code = (f.headers['x-amzn-ErrorType'] ?? '').split(':')[0];
      expect(
        'error' in outcome && [outcome.error.name, outcome.error.$metadata?.httpStatusCode],
      ).toEqual([code, f.status]);
      return;
    }
    const attempt = (run: () => unknown) => {
      try {
        return { page: run() };
      } catch (err) {
        return { refused: err instanceof SyntaxError ? 'not JSON' : (err as Error).message };
      }
    };
    const lean = attempt(() => parse(JSON.parse(f.body)));
    if (!('output' in outcome)) {
      // The SDK could not read the body (not JSON, or an epoch number for a date-time): neither may jobgraph.
      expect(lean).toHaveProperty('refused');
      return;
    }
    expect(attempt(() => parse(outcome.output))).toEqual(lean);
  });
});

describe('HealthOmics list against the emulator', () => {
  const emu = useEmulator(createOmicsEmulator);

  async function send(req: WireRequest) {
    const res = await signedAws(emu, {
      service: 'omics',
      method: req.method,
      path: req.path,
      query: Object.fromEntries(req.query ?? []),
      body: req.body,
      headers: req.headers,
    });
    expect(res.status).toBe(200);
    return JSON.parse(res.body) as unknown;
  }

  it('finds both stores, walks every job of each, and each summary agrees with the describe record', async () => {
    const stores = parseReferenceStoresPage(await send(listReferenceStoresRequest()));
    expect(stores.items.map((s) => s.id)).toEqual([
      OMICS_DEMO_REFERENCE_STORE_ID,
      OMICS_DEMO_SECOND_STORE_ID,
    ]);
    for (const store of stores.items) {
      const items: OmicsJobSummary[] = [];
      let nextToken: string | null = null;
      do {
        const page = parseListPage(
          await send(listRequest({ referenceStoreId: store.id, maxResults: 30, nextToken })),
        );
        items.push(...page.items);
        nextToken = page.nextToken;
      } while (nextToken);
      const progressing = store.id === OMICS_DEMO_REFERENCE_STORE_ID ? 1 : 0;
      expect(items).toHaveLength(omicsListJobCount(store.id) + progressing);
      const described = await describedItems(
        demoAwsSource(omics, emu.url),
        items,
        (item) => ({
          provider: 'AWS_OMICS',
          region: 'us-east-1',
          referenceStoreId: store.id,
          id: item.jobId,
        }),
        // The progressing run (a new import job each cycle), which moves between the two reads.
        items.find((i) => OMICS_PROGRESSING_RUNS.cycleStartOf(i.jobId) !== null)?.jobId ?? '',
      );
      for (const [item, record] of described) {
        expectSummaryAgrees(item, record, { roleArn: [item.roleArn, record.roleArn] });
      }
    }
  });

  it('pushes the status filter to the service', async () => {
    const page = parseListPage(
      await send(
        listRequest({ referenceStoreId: OMICS_DEMO_SECOND_STORE_ID, filter: { status: 'FAILED' } }),
      ),
    );
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((i) => i.state === 'FAILED')).toBe(true);
  });
});
