import { describe, expect, it } from 'vitest';
import { MalformedBodyError } from '../../../src/errors.ts';
import * as readers from '../../../src/datasources/shared/listReaders.ts';

const { listTime, requiredXmlTime, summaryState, xmlListMember, xmlListTime } = readers;

describe('the list readers every provider shares', () => {
  it('reads a time from epoch seconds, ISO text or a Date; absent is null', () => {
    expect(listTime(1.719826003456e9, 'f')?.toISOString()).toBe('2024-07-01T09:26:43.456Z');
    expect(listTime('2024-07-01T09:26:43Z', 'f')?.toISOString()).toBe('2024-07-01T09:26:43.000Z');
    expect(listTime(undefined, 'f')).toBeNull();
    expect(xmlListTime('2025-01-02T03:04:05Z', 'f')?.toISOString()).toBe(
      '2025-01-02T03:04:05.000Z',
    );
    expect(xmlListTime(undefined, 'f')).toBeNull();
  });

  it("takes a provider's stricter time reader", () => {
    const strict = (value: unknown, field: string) => {
      if (typeof value !== 'string') throw new MalformedBodyError(`${field} is not a date-time`);
      return value;
    };
    expect(() => listTime(1, 'items[0].creationTime', strict)).toThrow(
      'items[0].creationTime is not a date-time',
    );
  });

  it("maps a status through the provider's table; no status is no state", () => {
    const table = { RUNNING: 'IN_PROGRESS', DONE: 'SUCCEEDED' } as const;
    expect(summaryState(table, 'DONE')).toBe('SUCCEEDED');
    expect(summaryState(table, 'NEW-STATUS')).toBe('UNKNOWN');
    expect(summaryState(table, null)).toBeNull();
  });

  it('refuses an XML member that is no element, or lacks its JobId or creation time', () => {
    expect(() => xmlListMember('text', 'Jobs.member[0]')).toThrow(
      new MalformedBodyError('Jobs.member[0] is not an element'),
    );
    expect(() => xmlListMember({ JobId: '  ' }, 'Jobs.member[1]')).toThrow(
      'Jobs.member[1].JobId is missing',
    );
    const { element, jobId } = xmlListMember({ JobId: ' J1 ' }, 'Jobs.member[2]');
    expect(jobId).toBe('J1');
    expect(() => requiredXmlTime(element, 'CreationDate', 'Jobs.member[2]')).toThrow(
      'Jobs.member[2].CreationDate is missing',
    );
    expect(
      requiredXmlTime({ CreationDate: '2025-01-02T03:04:05Z' }, 'CreationDate', 'm').getTime(),
    ).toBe(Date.UTC(2025, 0, 2, 3, 4, 5));
  });
});
