import { describe, expect, it } from 'vitest';
import { importExport } from '../../../src/datasources/importexport/index.ts';
import {
  IMPORTEXPORT_LIST_MAX_JOBS,
  listRequest,
  listRequestId,
  parseListPage,
  type ImportExportJobSummary,
} from '../../../src/datasources/importexport/list.ts';
import { parseErrorResponse } from '../../../src/datasources/importexport/parse.ts';
import { MalformedBodyError } from '../../../src/errors.ts';
import { createImportExportEmulator } from '@jobgraph/emulators/importexport/emulator';
import { IMPORTEXPORT_LIST_JOB_COUNT } from '@jobgraph/emulators/importexport/listData';
import { IMPORTEXPORT_PROGRESSING_JOB_ID } from '@jobgraph/emulators/importexport/progressing';
import { listFixtures, signedAwsSend, walkList } from '../../support/walkList.ts';
import { useEmulator } from '../../support/useEmulator.ts';
import { demoAwsSource, describedItems } from '../../support/listedRecords.ts';

const { fixture, wire } = listFixtures('importexport', parseListPage);

describe('Import/Export ListJobs request', () => {
  it('is a form POST of / with Action=ListJobs, the model version, MaxJobs and Marker', () => {
    expect(listRequest()).toEqual({
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: 'Action=ListJobs&Version=2010-06-01',
    });
    expect(listRequest({ maxJobs: 1000, marker: 'LJ 01' }).body).toBe(
      'Action=ListJobs&Version=2010-06-01&MaxJobs=1000&Marker=LJ%2001',
    );
    expect(listRequest({ marker: null }).body).toBe('Action=ListJobs&Version=2010-06-01');
  });

  it('refuses a page size outside 1..1000', () => {
    expect(IMPORTEXPORT_LIST_MAX_JOBS).toBe(1000);
    for (const maxJobs of [0, 1001, 0.5])
      expect(() => listRequest({ maxJobs })).toThrow(RangeError);
  });
});

describe('Import/Export ListJobs parse', () => {
  it('reads a truncated page: summaries without status, CANCELLED only for IsCanceled, the last JobId as the next Marker', () => {
    const page = wire('page-truncated');
    expect(page.nextToken).toBe('LJ002');
    expect(page.items).toEqual<ImportExportJobSummary[]>([
      {
        jobId: 'LJ001',
        createdAt: new Date('2026-11-01T22:10:05Z'),
        jobType: 'Import',
        isCanceled: false,
        state: null,
        upstreamStatus: null,
      },
      {
        jobId: 'LJ002',
        createdAt: new Date('2026-10-31T07:45:00Z'),
        jobType: 'Export',
        isCanceled: true,
        state: 'CANCELLED',
        upstreamStatus: null,
      },
    ]);
  });

  it('reads the last page (one member, still a list), an empty page, and the request id', () => {
    expect(wire('page-last')).toMatchObject({ nextToken: null, items: [{ jobId: 'LJ066' }] });
    expect(wire('page-empty')).toEqual({ items: [], nextToken: null });
    expect(listRequestId(fixture('page-last').body)).toBe('5e6f7a80-9b0c-11f1-8d2e-3f4a5b6c7d82');
    expect(listRequestId('not xml')).toBeNull();
  });

  it('reads the Developer Guide’s namespace and IsTruncated inside Jobs (its table’s place) alike', () => {
    const page = wire('docs-namespace');
    expect(page.nextToken).toBe('EX1ID');
    expect(page.items.map((i) => [i.jobId, i.jobType])).toEqual([
      ['ABCDE', 'Import'],
      ['EX1ID', null],
    ]);
  });

  it('refuses a cut body, another document, a member without JobId or CreationDate, a bad boolean, and IsTruncated without jobs', () => {
    expect(() => wire('malformed')).toThrow(MalformedBodyError);
    expect(() => wire('bad-marker')).toThrow(
      new MalformedBodyError('body is not a ListJobsResponse'),
    );
    const doc = (inner: string) =>
      `<ListJobsResponse><ListJobsResult>${inner}</ListJobsResult></ListJobsResponse>`;
    expect(() =>
      parseListPage(
        doc('<Jobs><member><CreationDate>2026-01-01T00:00:00Z</CreationDate></member></Jobs>'),
      ),
    ).toThrow(new MalformedBodyError('Jobs.member[0].JobId is missing'));
    expect(() => parseListPage(doc('<Jobs><member><JobId>A</JobId></member></Jobs>'))).toThrow(
      new MalformedBodyError('Jobs.member[0].CreationDate is missing'),
    );
    expect(() =>
      parseListPage(
        doc(
          '<Jobs><member><JobId>A</JobId><CreationDate>2026-01-01T00:00:00Z</CreationDate><IsCanceled>maybe</IsCanceled></member></Jobs>',
        ),
      ),
    ).toThrow(new MalformedBodyError('Jobs.member[0].IsCanceled is not a boolean'));
    expect(() => parseListPage(doc('<Jobs/><IsTruncated>true</IsTruncated>'))).toThrow(
      new MalformedBodyError('IsTruncated is true on a page without jobs'),
    );
    expect(() => parseListPage('<ListJobsResponse/>')).toThrow(MalformedBodyError);
  });

  it('leaves the error answers to the query error envelope reader', () => {
    for (const name of ['bad-marker', 'max-jobs-invalid']) {
      expect([fixture(name).status, parseErrorResponse(fixture(name).body)?.code]).toEqual([
        400,
        'InvalidParameterException',
      ]);
    }
  });
});

describe('Import/Export ListJobs against the emulator', () => {
  const emu = useEmulator(createImportExportEmulator);

  it('walks every listed job newest first, and each summary agrees with GetStatus', async () => {
    const items = await walkList(signedAwsSend(emu, 'IngestionService'), parseListPage, (marker) =>
      listRequest({ maxJobs: 25, marker }),
    );
    expect(items).toHaveLength(IMPORTEXPORT_LIST_JOB_COUNT + 1);
    const times = items.map((i) => i.createdAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const described = await describedItems(
      demoAwsSource(importExport, emu.url),
      items,
      (item) => ({ provider: 'AWS_IMPORT_EXPORT', jobId: item.jobId }),
      IMPORTEXPORT_PROGRESSING_JOB_ID,
    );
    for (const [item, record] of described) {
      expect([item.createdAt.toISOString(), item.jobType, item.state ?? 'not CANCELLED']).toEqual([
        record.createdAt,
        record.jobType,
        record.state === 'CANCELLED' ? 'CANCELLED' : 'not CANCELLED',
      ]);
    }
  });
});
