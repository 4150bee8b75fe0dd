import { describe, expect, it } from 'vitest';
import { MalformedBodyError } from '../../../src/errors.ts';
import type { CosBatchKey } from '../../../src/model/globalId.ts';
import { parse, parseCosErrorBody } from '../../../src/datasources/cosbatch/parse.ts';
import { COSBATCH_STATE_MAP } from '../../../src/datasources/cosbatch/record.ts';
import { COS_BATCH_STATUSES } from '../../support/providerStatuses.ts';

const key: CosBatchKey = {
  provider: 'TENCENT_COS_BATCH',
  region: 'ap-guangzhou',
  uin: '100000000001',
  jobId: '53dc6228-c50b-46f7-8ad7-65e7159f1aae',
};
const job = (inner: string) => `<DescribeJobResult><Job>${inner}</Job></DescribeJobResult>`;

describe('CosBatch parse', () => {
  it('maps every documented status through the state table, anything else to UNKNOWN', () => {
    expect(Object.keys(COSBATCH_STATE_MAP).sort()).toEqual(COS_BATCH_STATUSES);
    expect(parse(key, job('<Status>constructor</Status>')).state).toBe('UNKNOWN');
  });

  it('refines Complete with failed tasks to SUCCEEDED_WITH_ERRORS', () => {
    const record = parse(
      key,
      job(
        '<Status>Complete</Status><ProgressSummary><NumberOfTasksFailed>2</NumberOfTasksFailed></ProgressSummary>',
      ),
    );
    expect([record.state, record.terminal]).toEqual(['SUCCEEDED_WITH_ERRORS', true]);
  });

  it('takes the header from the key and the job times from the answer', () => {
    const record = parse(
      key,
      job(
        '<CreationTime>2024-07-01T17:26:43+08:00</CreationTime><TerminationDate>2024-07-01T10:00:00Z</TerminationDate>',
      ),
    );
    expect(record).toMatchObject({
      provider: 'TENCENT_COS_BATCH',
      nativeId: key.jobId,
      region: key.region,
      uin: key.uin,
      jobId: key.jobId,
    });
    expect([record.createdAt, record.updatedAt, record.completedAt]).toEqual([
      '2024-07-01T09:26:43.000Z',
      null,
      '2024-07-01T10:00:00.000Z',
    ]);
  });

  it('reads an operation only as an element, never as text', () => {
    expect(parse(key, job('<Operation><COSPutObjectCopy/></Operation>')).operation?.name).toBe(
      'COSPutObjectCopy',
    );
    expect(parse(key, job('<Operation>COSPutObjectCopy</Operation>')).operation?.name).toBeNull();
  });

  it('rejects a body that is not a DescribeJobResult, and typed fields that do not read, naming them', () => {
    expect(() => parse(key, '<ListJobsResult><Jobs/></ListJobsResult>')).toThrow(
      new MalformedBodyError('DescribeJobResult element is missing'),
    );
    expect(() => parse(key, '<DescribeJobResult/>')).toThrow(
      new MalformedBodyError('DescribeJobResult.Job element is missing'),
    );
    expect(() => parse(key, job('<Priority>high</Priority>'))).toThrow(
      new MalformedBodyError('Priority is not an integer'),
    );
  });

  it('reads the <Error> envelope, and nothing from a body that is not one', () => {
    expect(
      parseCosErrorBody(
        '<Error><Code>NoSuchJob</Code><Message>m</Message><RequestId> r-1 </RequestId></Error>',
      ),
    ).toMatchObject({
      code: 'NoSuchJob',
      requestId: 'r-1',
    });
    expect(parseCosErrorBody('<html>502</html>')).toBeNull();
    expect(parseCosErrorBody('')).toBeNull();
  });
});
