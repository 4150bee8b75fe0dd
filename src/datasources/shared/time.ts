import { MalformedBodyError } from '../../errors.ts';

/**
 * Normalise a wire timestamp to ISO-8601 UTC with milliseconds. Accepts epoch seconds as a
 * number or numeric string (fractional or scientific, e.g. 1.719826003456E9), ISO-8601
 * strings with any offset, and a `Date` (what the AWS SDK deserialises a timestamp to). Absent values (null, undefined, "") are null; anything else that
 * is not a time is a MalformedBodyError naming the field.
 */
export function toIsoTimestamp(value: unknown, field: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  let ms: number;
  if (value instanceof Date) {
    ms = value.getTime();
  } else if (typeof value === 'number') {
    ms = value * 1000;
  } else if (typeof value === 'string') {
    const trimmed = value.trim();
    if (/^[+-]?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
    else ms = Date.parse(trimmed);
  } else {
    throw new MalformedBodyError(`${field} is not a timestamp`);
  }
  if (!Number.isFinite(ms)) throw new MalformedBodyError(`${field} is not a timestamp`);
  const date = new Date(Math.round(ms));
  if (Number.isNaN(date.getTime())) throw new MalformedBodyError(`${field} is not a timestamp`);
  return date.toISOString();
}
