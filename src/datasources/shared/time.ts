import { MalformedBodyError } from '../../errors.ts';

/**
 * An ISO-8601 UTC time whose canonical form is its own text (with `.000` added when it has no
 * fraction): seconds or milliseconds, a day no month lacks (29–31 and leap seconds take the
 * Date path below, which rolls them over or refuses them), `Z`. Most wire times are this.
 */
const CANONICAL_UTC =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{3})?Z$/;

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
    // Already canonical: the text is the answer, with no Date made, parsed and printed again.
    if (CANONICAL_UTC.test(value))
      return value.length === 24 ? value : `${value.slice(0, 19)}.000Z`;
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
