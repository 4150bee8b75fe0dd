import { describe, expect, it } from 'vitest';
import { signCos } from '../../../src/datasources/cosbatch/client.ts';
import { cosBatch } from '../../../src/datasources/cosbatch/index.ts';
import {
  COS_LIST_MAX_RESULTS,
  listRequest,
  parseListPage,
  type CosJobSummary,
} from '../../../src/datasources/cosbatch/list.ts';
import { parseCosErrorBody } from '../../../src/datasources/cosbatch/parse.ts';
import { COSBATCH_STATE_MAP } from '../../../src/datasources/cosbatch/record.ts';
import { rfc3986 } from '../../../src/datasources/shared/rfc3986.ts';
import { createSource, type WireRequest } from '../../../src/datasources/shared/source.ts';
import { MalformedBodyError } from '../../../src/errors.ts';
import { createCosBatchEmulator } from '@jobgraph/emulators/cosbatch/emulator';
import { COS_LIST_JOB_COUNT } from '@jobgraph/emulators/cosbatch/listData';
import { COS_PROGRESSING_JOB_ID } from '@jobgraph/emulators/cosbatch/progressing';
import { DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { sendRaw } from '../../support/rawHttp.ts';
import { listFixtures, walkList } from '../../support/walkList.ts';
import { useEmulator } from '../../support/useEmulator.ts';
import { describedItems, expectSummaryAgrees } from '../../support/listedRecords.ts';
import { DEMO_COS_SIGNING, oneAttempt } from '../../support/oneAttempt.ts';

const { fixture, wire, lastPage } = listFixtures('cosbatch', parseListPage);
const DEMO = DEMO_TENCENT_CREDENTIALS;

describe('COS Batch ListJobs request', () => {
  it('is a body-less GET of /jobs on the account host, with x-cos-appid and the documented query names', () => {
    expect(listRequest({ uin: DEMO.uin }, DEMO.appId)).toEqual({
      method: 'GET',
      path: '/jobs',
      query: [],
      headers: { 'x-cos-appid': DEMO.appId },
      body: '',
      hostPrefix: `${DEMO.uin}.`,
    });
    expect(
      listRequest(
        {
          uin: DEMO.uin,
          jobStatus: 'Failed',
          maxResults: 1000,
          nextToken: '53dc6228-c50b-46f7-8ad7-65e7159f1aae',
        },
        DEMO.appId,
      ).query,
    ).toEqual([
      ['jobStatuses', 'Failed'],
      ['maxResults', '1000'],
      ['nextToken', '53dc6228-c50b-46f7-8ad7-65e7159f1aae'],
    ]);
  });

  it('refuses a page size outside 1..1000', () => {
    expect(COS_LIST_MAX_RESULTS).toBe(1000);
    for (const maxResults of [0, 1001, 9.5])
      expect(() => listRequest({ uin: DEMO.uin, maxResults }, DEMO.appId)).toThrow(RangeError);
  });
});

describe('COS Batch ListJobs parse', () => {
  it('reads a full page: the documented summary elements and NextToken', () => {
    const page = wire('page-full');
    expect(page.nextToken).toBe('4a1d9b2f-7c3e-4d8f-8b26-1e5f3a7c9d42');
    expect(page.items[0]).toEqual<CosJobSummary>({
      jobId: '3f0c8a1e-6b2d-4c7e-9a15-0d4e2f6b8c31',
      createdAt: new Date('2026-10-20T02:14:05Z'),
      completedAt: new Date('2026-10-20T02:21:40Z'),
      state: 'SUCCEEDED',
      upstreamStatus: 'Complete',
      description: 'Nightly copy of raw uploads',
      operation: 'COSPutObjectCopy',
      priority: 10,
      progressSummary: {
        numberOfTasksFailed: 0,
        numberOfTasksSucceeded: 1200,
        totalNumberOfTasks: 1200,
        autoManifestStatus: null,
      },
    });
    expect(page.items[1]).toMatchObject({
      state: 'IN_PROGRESS',
      upstreamStatus: 'Active',
      description: null,
      completedAt: null,
      operation: 'COSInitiateRestoreObject',
    });
  });

  it('reads a page of one member as a list, Complete with failed tasks as SUCCEEDED_WITH_ERRORS, and an empty NextToken as the last page', () => {
    const page = lastPage('page-one-member');
    expect(page.items).toHaveLength(1);
    expect(page.items[0]).toMatchObject({
      state: 'SUCCEEDED_WITH_ERRORS',
      upstreamStatus: 'Complete',
      progressSummary: { numberOfTasksFailed: 3 },
    });
  });

  it('reads an empty page, unknown statuses and elements, a time offset and a missing NextToken', () => {
    expect(wire('page-empty')).toEqual({ items: [], nextToken: null });
    const page = lastPage('unknown-values');
    expect(page.items[0]).toMatchObject({
      state: 'UNKNOWN',
      upstreamStatus: 'Migrating',
      operation: 'COSPutObjectTagging',
      priority: 0,
    });
    expect(page.items[1]).toMatchObject({
      state: 'PAUSED',
      progressSummary: null,
      priority: null,
      createdAt: new Date('2026-10-22T17:00:00Z'),
    });
  });

  it('maps every status as the describe parse does', () => {
    for (const status of Object.keys(COSBATCH_STATE_MAP)) {
      const body = `<ListJobsResult><Jobs><member><CreationTime>2026-10-20T02:14:05Z</CreationTime><JobId>j-1</JobId><Status>${status}</Status></member></Jobs></ListJobsResult>`;
      expect(parseListPage(body).items[0]?.state).toBe(COSBATCH_STATE_MAP[status]);
    }
  });

  it('refuses a cut body, an error envelope, a DOCTYPE and a member without JobId or CreationTime', () => {
    expect(() => wire('malformed')).toThrow(MalformedBodyError);
    expect(() => wire('bad-token')).toThrow(
      new MalformedBodyError('ListJobsResult element is missing'),
    );
    expect(() => parseListPage('<!DOCTYPE x [<!ENTITY a "b">]><ListJobsResult/>')).toThrow(
      new MalformedBodyError('XML body declares a DOCTYPE'),
    );
    expect(() =>
      parseListPage(
        '<ListJobsResult><Jobs><member><JobId>j</JobId></member></Jobs></ListJobsResult>',
      ),
    ).toThrow(new MalformedBodyError('Jobs.member[0].CreationTime is missing'));
    expect(() =>
      parseListPage(
        '<ListJobsResult><Jobs><member><CreationTime>2026-01-01T00:00:00Z</CreationTime></member></Jobs></ListJobsResult>',
      ),
    ).toThrow(new MalformedBodyError('Jobs.member[0].JobId is missing'));
    expect(() =>
      parseListPage(
        '<ListJobsResult><Jobs><member><JobId>j</JobId><CreationTime>2026-01-01T00:00:00Z</CreationTime><Priority>high</Priority></member></Jobs></ListJobsResult>',
      ),
    ).toThrow(new MalformedBodyError('Jobs.member[0].Priority is not an integer'));
  });

  it('leaves the error answers to the COS error envelope reader', () => {
    expect(parseCosErrorBody(fixture('bad-token').body)).toMatchObject({
      code: 'InvalidArgument',
      message: 'nextToken is invalid.',
    });
    expect(parseCosErrorBody(fixture('max-results-invalid').body)).toMatchObject({
      code: 'InvalidArgument',
    });
    expect([fixture('bad-token').status, fixture('max-results-invalid').status]).toEqual([
      400, 400,
    ]);
  });
});

describe('COS Batch ListJobs against the emulator, signed by the datasource signer', () => {
  const emu = useEmulator(createCosBatchEmulator);

  /** One request as the pipeline sends it: the account's control host (the emulator takes any Host), signed with signCos. */
  async function send(req: WireRequest): Promise<{ status: number; body: string }> {
    const host = `${req.hostPrefix ?? ''}cos-control.${DEMO.region}.myqcloud.com`;
    const query = req.query ?? [];
    const headers = signCos(
      { method: req.method, host, path: req.path, query, headers: req.headers, body: req.body },
      { ...DEMO },
      new Date(),
    );
    const search = query.map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`).join('&');
    const { port } = new URL(emu.url);
    const { status, body } = await sendRaw({
      host: '127.0.0.1',
      port,
      method: req.method,
      path: `${req.path}${search ? `?${search}` : ''}`,
      headers,
      agent: false,
    });
    return { status, body };
  }

  it('walks every listed job with a signed query, and each summary agrees with the describe record', async () => {
    const items = await walkList(send, parseListPage, (nextToken) =>
      listRequest({ uin: DEMO.uin, maxResults: 30, nextToken }, DEMO.appId),
    );
    expect(items).toHaveLength(COS_LIST_JOB_COUNT + 1);
    expect(new Set(items.map((i) => i.jobId)).size).toBe(items.length);

    const source = createSource(cosBatch, {
      ...oneAttempt({ maxSockets: 8 }),
      ...DEMO_COS_SIGNING,
      endpoint: emu.url,
    });
    const described = await describedItems(
      source,
      items,
      (item) => ({
        provider: 'TENCENT_COS_BATCH',
        region: DEMO.region,
        uin: DEMO.uin,
        jobId: item.jobId,
      }),
      COS_PROGRESSING_JOB_ID,
    );
    for (const [item, record] of described) {
      expectSummaryAgrees(item, record, {
        description: [item.description, record.description],
        priority: [item.priority, record.priority],
        operation: [item.operation, record.operation?.name ?? null],
      });
    }
  });

  it('pushes the status filter to the service, and a bad nextToken is InvalidArgument', async () => {
    const res = await send(listRequest({ uin: DEMO.uin, jobStatus: 'Suspended' }, DEMO.appId));
    const page = parseListPage(res.body);
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((i) => i.state === 'PAUSED' && i.upstreamStatus === 'Suspended')).toBe(
      true,
    );
    const bad = await send(listRequest({ uin: DEMO.uin, nextToken: 'no-such-job' }, DEMO.appId));
    expect([bad.status, parseCosErrorBody(bad.body)?.code]).toEqual([400, 'InvalidArgument']);
  });
});
