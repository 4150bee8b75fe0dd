import { describe, expect, it } from 'vitest';
import { MalformedBodyError } from '../../../src/errors.ts';
import { parse } from '../../../src/datasources/panorama/parse.ts';
import { PANORAMA_STATE_MAP } from '../../../src/datasources/panorama/record.ts';
import { PANORAMA_TEST_KEY as key } from '../../support/keys.ts';
import { PANORAMA_STATES } from '../../support/providerStatuses.ts';

describe('Panorama parse', () => {
  it('maps PENDING to QUEUED and keeps SUCCEEDED and FAILED; anything else is UNKNOWN', () => {
    expect(PANORAMA_STATE_MAP).toEqual(PANORAMA_STATES);
    expect(parse(key, { Status: 'constructor' }).state).toBe('UNKNOWN');
  });

  it('reads the SDK Date objects and raw epoch seconds alike', () => {
    const fromSdk = parse(key, {
      Status: 'SUCCEEDED',
      CreatedTime: new Date('2024-07-01T09:26:43.456Z'),
      LastUpdatedTime: new Date('2024-07-01T09:30:00Z'),
    });
    const fromWire = parse(key, {
      Status: 'SUCCEEDED',
      CreatedTime: 1719826003.456,
      LastUpdatedTime: '1.7198262E9',
    });
    expect([fromSdk.createdAt, fromSdk.updatedAt, fromSdk.completedAt]).toEqual([
      '2024-07-01T09:26:43.456Z',
      '2024-07-01T09:30:00.000Z',
      '2024-07-01T09:30:00.000Z',
    ]);
    expect([fromWire.createdAt, fromWire.updatedAt]).toEqual([
      '2024-07-01T09:26:43.456Z',
      '2024-07-01T09:30:00.000Z',
    ]);
  });

  it('leaves completedAt null until the job is terminal', () => {
    expect(parse(key, { Status: 'PENDING', LastUpdatedTime: 1719826003 }).completedAt).toBeNull();
  });

  it('rejects an invalid Date and wrong member types, naming the member', () => {
    expect(() => parse(key, { CreatedTime: new Date('nope') })).toThrow(
      new MalformedBodyError('CreatedTime is not a timestamp'),
    );
    expect(() => parse(key, { Status: 7 })).toThrow(
      new MalformedBodyError('Status is not a string'),
    );
    expect(() => parse(key, { JobTags: [null] })).toThrow(
      new MalformedBodyError('JobTags[0] is null'),
    );
  });

  it('takes the header from the key when the answer is silent, and rejects an empty answer', () => {
    expect(parse(key, {})).toMatchObject({
      id: expect.any(String),
      provider: 'AWS_PANORAMA',
      nativeId: key.jobId,
      region: 'us-east-1',
      state: 'UNKNOWN',
      terminal: false,
      jobTags: [],
    });
    expect(() => parse(key, null)).toThrow(MalformedBodyError);
  });
});
