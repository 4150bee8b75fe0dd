import { describe, expect, it } from 'vitest';
import { MalformedBodyError } from '../../../src/errors.ts';
import type { OmicsKey } from '../../../src/model/globalId.ts';
import { OMICS_STATE_MAP } from '../../../src/datasources/omics/record.ts';
import { parse } from '../../../src/datasources/omics/parse.ts';
import { OMICS_STATES } from '../../support/providerStatuses.ts';

const key: OmicsKey = {
  provider: 'AWS_OMICS',
  region: 'us-east-1',
  referenceStoreId: '5038720581',
  id: '8110394857',
};
const base = {
  id: '8110394857',
  referenceStoreId: '5038720581',
  roleArn: 'arn:aws:iam::123456789012:role/OmicsReferenceImportRole',
  status: 'COMPLETED',
  creationTime: new Date('2024-07-01T09:26:43.456Z'),
  sources: [],
};

describe('Omics parse', () => {
  it.each([
    ['SUBMITTED', 'QUEUED', false],
    ['IN_PROGRESS', 'IN_PROGRESS', false],
    ['CANCELLING', 'CANCELLING', false],
    ['CANCELLED', 'CANCELLED', true],
    ['FAILED', 'FAILED', true],
    ['COMPLETED', 'SUCCEEDED', true],
    ['COMPLETED_WITH_FAILURES', 'SUCCEEDED_WITH_ERRORS', true],
    ['PAUSED', 'UNKNOWN', false],
  ] as const)('maps status %s to state %s (terminal %s)', (status, state, terminal) => {
    const r = parse(key, { ...base, status });
    expect(r.state).toBe(state);
    expect(r.terminal).toBe(terminal);
    expect(r.providerStatus).toBe(status);
    expect(r.status).toBe(state === 'UNKNOWN' ? null : status);
  });

  it('exports the state table with all seven HealthOmics statuses', () => {
    expect(OMICS_STATE_MAP).toEqual(OMICS_STATES);
  });

  it('does not treat inherited object keys as statuses', () => {
    expect(parse(key, { ...base, status: 'constructor' }).state).toBe('UNKNOWN');
  });

  it('accepts the SDK Date objects and raw ISO-8601 strings alike', () => {
    const fromDate = parse(key, { ...base, completionTime: new Date('2024-07-01T09:41:12.003Z') });
    const fromString = parse(key, {
      ...base,
      creationTime: '2024-07-01T11:26:43.456+02:00',
      completionTime: '2024-07-01T09:41:12.003Z',
    });
    expect(fromDate.createdAt).toBe('2024-07-01T09:26:43.456Z');
    expect(fromDate.completionTime).toBe('2024-07-01T09:41:12.003Z');
    expect(fromString).toEqual(fromDate);
  });

  it('rejects an invalid Date as a malformed body naming the field', () => {
    expect(() => parse(key, { ...base, creationTime: new Date(Number.NaN) })).toThrow(
      new MalformedBodyError('creationTime is not a timestamp'),
    );
  });

  it('rejects wrong types naming the field', () => {
    expect(() => parse(key, { ...base, id: 8110394857 })).toThrow('id is not a string');
    expect(() => parse(key, { ...base, sources: [{ status: 'FINISHED', tags: ['a'] }] })).toThrow(
      'sources[0].tags is not an object',
    );
    expect(() => parse(key, { ...base, sources: [null] })).toThrow('sources[0] is not an object');
    expect(() => parse(key, null)).toThrow(MalformedBodyError);
  });

  it('falls back to the key for an absent id and referenceStoreId and sets updatedAt to null', () => {
    const r = parse(key, { status: 'SUBMITTED' });
    expect(r).toMatchObject({
      id: 'omics:us-east-1:5038720581:8110394857',
      nativeId: '8110394857',
      referenceStoreId: '5038720581',
      roleArn: null,
      createdAt: null,
      updatedAt: null,
      completedAt: null,
      sources: [],
    });
  });

  it('keeps empty strings rather than turning them into null', () => {
    const r = parse(key, {
      ...base,
      statusMessage: '',
      sources: [
        { status: 'FINISHED', statusMessage: '', name: '', description: '', tags: { k: '' } },
      ],
    });
    expect(r.statusMessage).toBe('');
    expect(r.sources[0]).toEqual({
      sourceFile: null,
      status: 'FINISHED',
      statusMessage: '',
      name: '',
      description: '',
      tags: [{ key: 'k', value: '' }],
      referenceId: null,
    });
  });

  it('ignores the SDK $metadata and unknown fields', () => {
    const r = parse(key, {
      ...base,
      $metadata: { httpStatusCode: 200, requestId: 'x' },
      futureField: { a: 1 },
    });
    expect(Object.keys(r)).not.toContain('$metadata');
    expect(Object.keys(r)).not.toContain('futureField');
  });
});
