import { describe, expect, it } from 'vitest';
import { DateTime } from '../src/resolvers/DateTime.ts';

describe('The DateTime scalar', () => {
  it('passes a canonical UTC timestamp through unchanged, and canonicalises other ISO-8601 forms', () => {
    expect(DateTime.serialize('2024-07-01T09:26:43.456Z')).toBe('2024-07-01T09:26:43.456Z');
    expect(DateTime.serialize('2024-02-29T23:59:59.999Z')).toBe('2024-02-29T23:59:59.999Z');
    expect(DateTime.serialize('2024-07-01T11:26:43.456+02:00')).toBe('2024-07-01T09:26:43.456Z');
    expect(DateTime.serialize(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)))).toBe(
      '2024-01-02T03:04:05.006Z',
    );
  });

  it('refuses what is not a timestamp', () => {
    for (const bad of [
      'not a date',
      '2024-13-01T00:00:00.000Z',
      '2024-07-01T25:00:00.000Z',
      42,
      null,
    ]) {
      expect(() => DateTime.serialize(bad), String(bad)).toThrow(
        /DateTime must be an ISO-8601 timestamp/,
      );
    }
  });
});
