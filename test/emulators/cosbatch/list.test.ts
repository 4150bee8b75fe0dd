import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { DEMO_JOBS, ERROR_CASE_JOB_IDS } from '@jobgraph/emulators/cosbatch/data';
import { createCosBatchEmulator } from '@jobgraph/emulators/cosbatch/emulator';
import {
  COS_LIST_JOB_COUNT,
  COS_LIST_RECENT_COUNTS,
  COS_LIST_SETTLED_COUNTS,
  COS_LIST_TIED_INDEXES,
  cosListedJobs,
} from '@jobgraph/emulators/cosbatch/listData';
import { COS_PROGRESSING_JOB_ID } from '@jobgraph/emulators/cosbatch/progressing';
import { DEMO_TENCENT_CREDENTIALS, type RunningEmulator } from '@jobgraph/emulators/framework';
import type { ListOrder } from '@jobgraph/emulators/listing';
import { signedCos, xmlErrorCode as code } from '../listClient.ts';
import { LIST_START, useListHarness } from '../listHarness.ts';
import { expectDemoListSize, expectRecentFirst, walkedOnce } from '../listWalk.ts';
import { COS_BATCH_STATUSES } from '../../support/providerStatuses.ts';
import { cosMemberOf } from '../listSummaries.ts';

const START = LIST_START;
const harness = useListHarness();
const STATUSES = COS_BATCH_STATUSES;
const CONTROL_HOST = `${DEMO_TENCENT_CREDENTIALS.uin}.cos-control.${DEMO_TENCENT_CREDENTIALS.region}.myqcloud.com`;

const emulator = (listOrder?: ListOrder) => harness.startOn(createCosBatchEmulator, listOrder);

const xml = new XMLParser({ parseTagValue: false, isArray: (name) => name === 'member' });

interface Member {
  CreationTime: string;
  Description?: string;
  JobId: string;
  Operation: string;
  Priority: string;
  ProgressSummary: Record<string, string>;
  Status: string;
  TerminationDate?: string;
}

async function listPage(
  emu: RunningEmulator,
  query: Record<string, string> = {},
  host = CONTROL_HOST,
) {
  const res = await signedCos(emu, '/jobs', query, { host });
  expect(res.status).toBe(200);
  const doc = xml.parse(res.body) as {
    ListJobsResult: { Jobs: { member?: Member[] } | ''; NextToken: string };
  };
  const jobs = doc.ListJobsResult.Jobs;
  return {
    members: jobs === '' ? [] : (jobs.member ?? []),
    nextToken: doc.ListJobsResult.NextToken,
    body: res.body,
  };
}

async function walk(emu: RunningEmulator, query: Record<string, string>) {
  const pages: Member[][] = [];
  let nextToken = '';
  do {
    const page = await listPage(emu, { ...query, ...(nextToken ? { nextToken } : {}) });
    pages.push(page.members);
    // NextToken is the page's last JobId while more jobs follow, empty after the last page.
    if (page.nextToken) expect(page.nextToken).toBe(page.members.at(-1)?.JobId);
    nextToken = page.nextToken;
  } while (nextToken);
  return pages;
}

describe('COS Batch ListJobs demo data', () => {
  // Created in the 90 days before the start, IDs its own: test/emulators/listData.test.ts.
  const jobs = cosListedJobs(START);

  it('has at least 60 jobs over the 90 days before the start, all 13 statuses, non-terminal ones the newest', () => {
    expectDemoListSize(jobs, COS_LIST_JOB_COUNT);
    const counts = expectRecentFirst(
      jobs,
      (j) => j.Status as string,
      { recent: COS_LIST_RECENT_COUNTS, settled: COS_LIST_SETTLED_COUNTS },
      (status) => !['Complete', 'Failed', 'Cancelled'].includes(status),
    );
    expect(Object.keys(counts).sort()).toEqual(STATUSES);
    for (const j of jobs) expect(j.CreationTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  });

  it('has Complete jobs with failed tasks and two jobs created in the same second', () => {
    const failedTasks = jobs.filter(
      (j) =>
        j.Status === 'Complete' &&
        Number((j.ProgressSummary as Record<string, number>).NumberOfTasksFailed) > 0,
    );
    expect(failedTasks.length).toBeGreaterThan(0);
    for (const i of COS_LIST_TIED_INDEXES)
      expect(jobs[i]?.CreationTime).toBe(jobs[i - 1]?.CreationTime);
  });
});

describe('The COS Batch emulator ListJobs', () => {
  const emu = harness.use(() => emulator());

  it('walks every job of the account once in pages of 7, oldest first (ties by JobId), the progressing job last', async () => {
    const pages = await walk(emu, { maxResults: '7' });
    const all = walkedOnce(pages, COS_LIST_JOB_COUNT);
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    const keys = all.map((j) => [Date.parse(j.CreationTime), j.JobId] as const);
    expect([...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1))).toEqual(keys);
    expect(all.at(-1)?.JobId).toBe(COS_PROGRESSING_JOB_ID);
  });

  it('answers the whole list in one page by default (maxResults 1000)', async () => {
    const page = await listPage(emu);
    expect([page.members.length, page.nextToken]).toEqual([COS_LIST_JOB_COUNT + 1, '']);
    expect(page.body).toContain('<NextToken/>');
  });

  it('writes each member with the documented summary elements, in order, as DescribeJob describes the job', async () => {
    const { members } = await listPage(emu, { maxResults: '20' });
    for (const m of members) {
      expect(Object.keys(m).filter((k) => k !== 'Description' && k !== 'TerminationDate')).toEqual([
        'CreationTime',
        'JobId',
        'Operation',
        'Priority',
        'ProgressSummary',
        'Status',
      ]);
      expect(Object.keys(m.ProgressSummary)).toEqual([
        'NumberOfTasksFailed',
        'NumberOfTasksSucceeded',
        'TotalNumberOfTasks',
      ]);
      const res = await signedCos(emu, `/jobs/${m.JobId}`, {}, { host: CONTROL_HOST });
      expect(m).toEqual(cosMemberOf(res));
    }
  });

  it('filters on the server by jobStatuses, paging within the filter', async () => {
    const listed = cosListedJobs(START);
    for (const status of STATUSES) {
      const all = (await walk(emu, { jobStatuses: status, maxResults: '2' })).flat();
      expect(all.every((j) => j.Status === status)).toBe(true);
      const progressing = status === 'New' ? 1 : 0;
      expect([status, all.length]).toEqual([
        status,
        listed.filter((j) => j.Status === status).length + progressing,
      ]);
    }
  });

  it('refuses an unknown or repeated jobStatuses with InvalidArgument 400', async () => {
    for (const query of [{ jobStatuses: 'Running' }, { jobStatuses: 'complete' }]) {
      const res = await signedCos(emu, '/jobs', query, { host: CONTROL_HOST });
      expect([res.status, code(res.body)]).toEqual([400, 'InvalidArgument']);
    }
    // One status per request (the API page and cos-go-sdk-v5 send one): a repeated parameter is refused, not read as a union.
    const repeated = await signedCos(
      emu,
      '/jobs',
      { jobStatuses: 'Paused' },
      { host: CONTROL_HOST, search: 'jobStatuses=Active&jobStatuses=Paused' },
    );
    expect([repeated.status, code(repeated.body)]).toEqual([400, 'InvalidArgument']);
  });

  it('refuses maxResults outside 1..1000 with InvalidArgument 400', async () => {
    for (const maxResults of ['0', '1001', 'ten', '-1']) {
      const res = await signedCos(emu, '/jobs', { maxResults }, { host: CONTROL_HOST });
      expect([res.status, code(res.body)]).toEqual([400, 'InvalidArgument']);
      expect(res.headers['x-cos-request-id']).toBeTruthy();
    }
    const edge = await listPage(emu, { maxResults: '1000' });
    expect(edge.members).toHaveLength(COS_LIST_JOB_COUNT + 1);
  });

  it('refuses a nextToken that names no listed job, or longer than 64 bytes, with InvalidArgument 400', async () => {
    for (const nextToken of [
      ERROR_CASE_JOB_IDS.notFound,
      'not-a-job',
      'x'.repeat(65),
      DEMO_JOBS.keys().next().value as string,
    ]) {
      const res = await signedCos(emu, '/jobs', { nextToken }, { host: CONTROL_HOST });
      expect([res.status, code(res.body)]).toEqual([400, 'InvalidArgument']);
    }
  });

  it('continues after a nextToken whose job the filter leaves out', async () => {
    const all = (await listPage(emu)).members;
    const complete = all.filter((j) => j.Status === 'Complete');
    const from = all.find((j) => j.Status === 'Failed') as Member;
    const page = await listPage(emu, { jobStatuses: 'Complete', nextToken: from.JobId });
    expect(page.members.map((j) => j.JobId)).toEqual(
      complete.filter((j) => all.indexOf(j) > all.indexOf(from)).map((j) => j.JobId),
    );
  });

  it('lists nothing in another region', async () => {
    const page = await listPage(
      emu,
      {},
      `${DEMO_TENCENT_CREDENTIALS.uin}.cos-control.ap-chengdu.myqcloud.com`,
    );
    expect([page.members, page.nextToken]).toEqual([[], '']);
    expect(page.body).toContain('<Jobs/>');
  });

  it('pages newest first when told to', async () => {
    const newest = await emulator('newest-first');
    const all = (await walk(newest, { maxResults: '25' })).flat();
    expect(all[0]?.JobId).toBe(COS_PROGRESSING_JOB_ID);
    const times = all.map((j) => Date.parse(j.CreationTime));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('refuses a wrong signature, another account and a missing APPID as DescribeJob does, and other methods with 405', async () => {
    const wrong = await signedCos(
      emu,
      '/jobs',
      {},
      { host: CONTROL_HOST, secretKey: 'not-the-key' },
    );
    expect([wrong.status, code(wrong.body)]).toEqual([403, 'SignatureDoesNotMatch']);
    const otherAccount = await signedCos(
      emu,
      '/jobs',
      {},
      { host: `100000000099.cos-control.${DEMO_TENCENT_CREDENTIALS.region}.myqcloud.com` },
    );
    expect([otherAccount.status, code(otherAccount.body)]).toEqual([403, 'AccessDenied']);
    const noAppId = await signedCos(emu, '/jobs', {}, { host: CONTROL_HOST, appId: '' });
    expect([noAppId.status, code(noAppId.body)]).toEqual([400, 'InvalidArgument']);
    const unsigned = await fetch(`${emu.url}/jobs`, {
      headers: { 'x-cos-appid': DEMO_TENCENT_CREDENTIALS.appId },
    });
    expect([unsigned.status, code(await unsigned.text())]).toEqual([403, 'AccessDenied']);
    // POST /jobs is CreateJob (createJob.test.ts); another method on the list path is refused.
    const put = await signedCos(emu, '/jobs', {}, { host: CONTROL_HOST, method: 'PUT' });
    expect([put.status, code(put.body)]).toEqual([405, 'MethodNotAllowed']);
  });

  it('records the call as ListJobs with the region as its job prefix', async () => {
    emu.calls.length = 0;
    await listPage(emu, { maxResults: '1' });
    expect(emu.calls).toEqual([
      {
        method: 'GET',
        path: '/jobs',
        operation: 'ListJobs',
        job: `${DEMO_TENCENT_CREDENTIALS.region}/`,
        status: 200,
      },
    ]);
  });
});
