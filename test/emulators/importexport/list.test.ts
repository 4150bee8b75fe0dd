import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { DEMO_AWS_CREDENTIALS, type RunningEmulator } from '@jobgraph/emulators/framework';
import {
  createImportExportEmulator,
  type ImportExportEmulatorOptions,
} from '@jobgraph/emulators/importexport/emulator';
import {
  IMPORTEXPORT_LIST_JOB_COUNT,
  IMPORTEXPORT_LIST_RECENT_COUNTS,
  IMPORTEXPORT_LIST_SETTLED_COUNTS,
  IMPORTEXPORT_LIST_TIED_INDEXES,
  importExportListedJobs,
} from '@jobgraph/emulators/importexport/listData';
import { IMPORTEXPORT_PROGRESSING_JOB_ID } from '@jobgraph/emulators/importexport/progressing';
import type { ListOrder } from '@jobgraph/emulators/listing';
import { formBody, importExportCall, signedAws, xmlErrorCode as code } from '../listClient.ts';
import { LIST_START, useListHarness } from '../listHarness.ts';
import { expectDemoListSize, expectRecentFirst, walkedOnce } from '../listWalk.ts';
import { IMPORT_EXPORT_STATES } from '../../support/providerStatuses.ts';

const START = LIST_START;
const harness = useListHarness();
/** Every ProgressCode the GetStatus API reference documents. */
const PROGRESS_CODES = Object.keys(IMPORT_EXPORT_STATES);

/** An emulator on the test clock, with `options`, and the object to control it. */
async function started(options: ImportExportEmulatorOptions = {}) {
  const provider = createImportExportEmulator({
    now: () => harness.now,
    epochMs: START,
    ...options,
  });
  const emu = await harness.start(provider);
  return { emu, provider };
}

async function emulator(listOrder?: ListOrder): Promise<RunningEmulator> {
  return (await started(listOrder ? { listOrder } : {})).emu;
}

const xml = new XMLParser({
  parseTagValue: false,
  removeNSPrefix: true,
  ignoreAttributes: true,
  isArray: (name) => name === 'member',
});

interface Member {
  JobId: string;
  CreationDate: string;
  IsCanceled: string;
  JobType?: string;
}

async function listPage(emu: RunningEmulator, params: Record<string, string> = {}) {
  const res = await importExportCall(emu, { Action: 'ListJobs', ...params });
  expect(res.status).toBe(200);
  const doc = xml.parse(res.body) as {
    ListJobsResponse: { ListJobsResult: { Jobs: { member?: Member[] } | ''; IsTruncated: string } };
  };
  const result = doc.ListJobsResponse.ListJobsResult;
  return {
    members: result.Jobs === '' ? [] : (result.Jobs.member ?? []),
    truncated: result.IsTruncated,
    body: res.body,
  };
}

/** A walk as botocore's paginator does it: Marker = the last JobId while IsTruncated. */
async function walk(emu: RunningEmulator, maxJobs: number) {
  const pages: Member[][] = [];
  let marker: string | undefined;
  for (;;) {
    const page = await listPage(emu, {
      MaxJobs: String(maxJobs),
      ...(marker ? { Marker: marker } : {}),
    });
    pages.push(page.members);
    if (page.truncated !== 'true') return pages;
    marker = page.members.at(-1)?.JobId;
  }
}

describe('Import/Export ListJobs demo data', () => {
  // Created in the 90 days before the start, IDs its own: test/emulators/listData.test.ts.
  const jobs = importExportListedJobs(START);

  it('has at least 60 jobs over the 90 days before the start, every documented ProgressCode, unfinished ones the newest', () => {
    expectDemoListSize(jobs, IMPORTEXPORT_LIST_JOB_COUNT);
    const counts = expectRecentFirst(
      jobs,
      (j) => j.ProgressCode as string,
      { recent: IMPORTEXPORT_LIST_RECENT_COUNTS, settled: IMPORTEXPORT_LIST_SETTLED_COUNTS },
      (code) => ['Pending', 'Started', 'InProgress'].includes(code),
    );
    for (const c of PROGRESS_CODES) expect(counts[c]).toBeGreaterThan(0);
    for (const i of IMPORTEXPORT_LIST_TIED_INDEXES)
      expect(jobs[i]?.CreationDate).toBe(jobs[i - 1]?.CreationDate);
    expect(new Set(jobs.map((j) => j.JobType))).toEqual(new Set(['Import', 'Export']));
  });
});

describe('The Import/Export emulator ListJobs', () => {
  const emu = harness.use(() => emulator());

  it('walks every job once in pages of 7, newest first (ties by JobId), the progressing job first', async () => {
    const pages = await walk(emu, 7);
    const all = walkedOnce(pages, IMPORTEXPORT_LIST_JOB_COUNT);
    expect(pages.slice(0, -1).every((p) => p.length === 7)).toBe(true);
    expect(all[0]?.JobId).toBe(IMPORTEXPORT_PROGRESSING_JOB_ID);
    const keys = all.map((j) => [Date.parse(j.CreationDate), j.JobId] as const);
    expect([...keys].sort((a, b) => b[0] - a[0] || (a[1] < b[1] ? -1 : 1))).toEqual(keys);
  });

  it('answers the model shape: Jobs/member{JobId, CreationDate, IsCanceled, JobType} and IsTruncated beside Jobs', async () => {
    const res = await importExportCall(emu, { Action: 'ListJobs', MaxJobs: '2' });
    expect([res.status, res.headers['content-type']]).toEqual([200, 'text/xml']);
    expect(res.body).toMatch(
      /^<ListJobsResponse xmlns="http:\/\/importexport\.amazonaws\.com\/doc\/2010-06-01\/">\n {2}<ListJobsResult>\n {4}<Jobs>\n {6}<member>\n {8}<JobId>PRGS1<\/JobId>\n {8}<CreationDate>[^<]+<\/CreationDate>\n {8}<IsCanceled>false<\/IsCanceled>\n {8}<JobType>Import<\/JobType>\n {6}<\/member>\n/,
    );
    expect(res.body).toContain(
      '    </Jobs>\n    <IsTruncated>true</IsTruncated>\n  </ListJobsResult>\n  <ResponseMetadata>\n',
    );
    expect(res.body).toContain(`<RequestId>${res.headers['x-amzn-requestid']}</RequestId>`);
  });

  it('says IsCanceled exactly for the jobs GetStatus says are Canceled, and the same CreationDate and JobType', async () => {
    const { members } = await listPage(emu);
    expect(members).toHaveLength(IMPORTEXPORT_LIST_JOB_COUNT + 1);
    for (const m of members) {
      const res = await importExportCall(emu, { Action: 'GetStatus', JobId: m.JobId });
      expect(res.status).toBe(200);
      const result = (
        xml.parse(res.body) as { GetStatusResponse: { GetStatusResult: Record<string, string> } }
      ).GetStatusResponse.GetStatusResult;
      expect([m.JobId, m.CreationDate, m.JobType, m.IsCanceled]).toEqual([
        result.JobId,
        result.CreationDate,
        result.JobType,
        String(result.ProgressCode === 'Canceled'),
      ]);
    }
  });

  it('answers MaxJobs 0 or absent with every job (1000), and 1000 as asked', async () => {
    for (const params of [{}, { MaxJobs: '0' }, { MaxJobs: '1000' }]) {
      const page = await listPage(emu, params);
      expect([page.members.length, page.truncated]).toEqual([
        IMPORTEXPORT_LIST_JOB_COUNT + 1,
        'false',
      ]);
    }
  });

  it('refuses MaxJobs outside 0..1000 and a Marker that names no listed job with InvalidParameterException 400', async () => {
    for (const params of [
      { MaxJobs: '1001' },
      { MaxJobs: '-1' },
      { MaxJobs: 'ten' },
      { Marker: 'NOJOB' },
      { Marker: 'CMPL1' },
      { Marker: '' },
    ]) {
      const res = await importExportCall(emu, { Action: 'ListJobs', ...params });
      expect([res.status, code(res.body)]).toEqual([400, 'InvalidParameterException']);
      expect(res.body).toContain('<Type>Sender</Type>');
    }
  });

  it('pages oldest first when told to', async () => {
    const oldest = await emulator('oldest-first');
    const all = (await walk(oldest, 20)).flat();
    expect(all.at(-1)?.JobId).toBe(IMPORTEXPORT_PROGRESSING_JOB_ID);
    expect(all).toHaveLength(IMPORTEXPORT_LIST_JOB_COUNT + 1);
  });

  it('refuses unsigned and wrongly signed requests as GetStatus does', async () => {
    const body = formBody({ Action: 'ListJobs', Version: '2010-06-01' });
    const unsigned = await fetch(emu.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    });
    expect([unsigned.status, code(await unsigned.text())]).toEqual([
      403,
      'MissingAuthenticationToken',
    ]);
    const wrong = await signedAws(emu, {
      service: 'IngestionService',
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
      credentials: {
        accessKeyId: DEMO_AWS_CREDENTIALS.accessKeyId,
        secretAccessKey: 'not-the-secret',
      },
    });
    expect([wrong.status, code(wrong.body)]).toEqual([403, 'SignatureDoesNotMatch']);
  });

  it('answers at most listPageLimit jobs a page, whatever MaxJobs asks, IsTruncated true while more follow', async () => {
    const { emu: capped } = await started({ listPageLimit: 7 });
    const pages = await walk(capped, 1000);
    expect(pages.map((p) => p.length)).toEqual([
      ...Array.from({ length: Math.floor((IMPORTEXPORT_LIST_JOB_COUNT + 1) / 7) }, () => 7),
      (IMPORTEXPORT_LIST_JOB_COUNT + 1) % 7,
    ]);
    const whole = (await listPage(emu)).members.map((m) => m.JobId);
    expect(pages.flat().map((m) => m.JobId)).toEqual(whole);
    // A smaller MaxJobs still holds; MaxJobs 0 or absent is the limit.
    expect((await listPage(capped, { MaxJobs: '3' })).members).toHaveLength(3);
    for (const params of [{}, { MaxJobs: '0' }])
      expect(await listPage(capped, params)).toMatchObject({ truncated: 'true' });
  });

  it('refuses a listPageLimit outside 1..1000 at construction', () => {
    for (const listPageLimit of [0, 1001, 2.5, Number.NaN])
      expect(() => createImportExportEmulator({ listPageLimit })).toThrow(RangeError);
  });

  it('leaves expired jobs out of ListJobs, refuses a Marker naming one, and answers their GetStatus with ExpiredJobIdException', async () => {
    const { emu: emu2, provider } = await started();
    const before = (await listPage(emu2)).members.map((m) => m.JobId);
    const gone = before[6]!;
    expect((await listPage(emu2, { MaxJobs: '7', Marker: gone })).members[0]?.JobId).toBe(
      before[7],
    );
    provider.expireJobs([gone]);
    const after = (await listPage(emu2)).members.map((m) => m.JobId);
    expect(after).toEqual(before.filter((id) => id !== gone));
    const marker = await importExportCall(emu2, { Action: 'ListJobs', Marker: gone });
    expect([marker.status, code(marker.body)]).toEqual([400, 'InvalidParameterException']);
    const status = await importExportCall(emu2, { Action: 'GetStatus', JobId: gone });
    expect([status.status, code(status.body)]).toEqual([400, 'ExpiredJobIdException']);
  });

  it('records the call as ListJobs with no job', async () => {
    emu.calls.length = 0;
    await listPage(emu, { MaxJobs: '1' });
    expect(emu.calls).toEqual([
      { method: 'POST', path: '/', operation: 'ListJobs', job: null, status: 200 },
    ]);
  });
});
