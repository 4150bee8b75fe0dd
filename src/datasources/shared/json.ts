import { MalformedBodyError } from '../../errors.ts';
import type { ListPage } from './paging.ts';

/** Typed readers for parsed JSON bodies: wrong types are MalformedBodyError naming the field; absent is null. */

export type JsonObject = Record<string, unknown>;

export function obj(value: unknown, field: string): JsonObject | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value))
    throw new MalformedBodyError(`${field} is not an object`);
  return value as JsonObject;
}

export function str(value: unknown, field: string): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw new MalformedBodyError(`${field} is not a string`);
  return value;
}

export function bool(value: unknown, field: string): boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'boolean') throw new MalformedBodyError(`${field} is not a boolean`);
  return value;
}

export function int(value: unknown, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new MalformedBodyError(`${field} is not an integer`);
  return value;
}

export function arr(value: unknown, field: string): unknown[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new MalformedBodyError(`${field} is not a list`);
  return value;
}

/** Reads one member's value; a wrong type is MalformedBodyError naming `field`. */
export type MemberReader<T> = (value: unknown, field: string) => T;

/**
 * The members `readers` names, each read from `o` by its reader under its wire path
 * (`${field}.${wire name}`), in the readers' order: for the shapes whose record names are the
 * wire's, or (`wireName`: `capitalised`) the wire's with a lower-case first letter.
 */
export function members<R extends Record<string, MemberReader<unknown>>>(
  o: JsonObject,
  field: string,
  readers: R,
  wireName?: (name: string) => string,
): { [K in keyof R]: ReturnType<R[K]> } {
  const out: Record<string, unknown> = {};
  for (const name in readers) {
    const wire = wireName === undefined ? name : wireName(name);
    out[name] = readers[name]!(o[wire], `${field}.${wire}`);
  }
  return out as { [K in keyof R]: ReturnType<R[K]> };
}

/** A record name's wire name where the service capitalises its members (`bucketName` → `BucketName`). */
export const capitalised = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

/** A JSON string map as a list of `{key, value}` in the wire's order. */
export function keyValues(value: unknown, field: string): { key: string; value: string }[] {
  const o = obj(value, field);
  if (!o) return [];
  // The field is named by position, never by its key: keys come from the wire (and may be secret-bearing configuration names).
  return Object.entries(o).map(([key, v], i) => ({
    key,
    value: str(v, `${field}[${i}] value`) ?? '',
  }));
}

/** Keep a value only if it is one of a closed enum's members; unknown members become null (the raw string is kept elsewhere). */
export function enumValue<T extends string>(value: string | null, members: readonly T[]): T | null {
  return value !== null && (members as readonly string[]).includes(value) ? (value as T) : null;
}

/** An answer's top-level object: anything else is MalformedBodyError saying `notObject`. */
export function response(output: unknown, notObject: string): JsonObject {
  const body = obj(output, 'response');
  if (!body) throw new MalformedBodyError(notObject);
  return body;
}

/** An entry of a list that must be an object: null is MalformedBodyError naming it. */
export function entry(value: unknown, field: string): JsonObject {
  const o = obj(value, field);
  if (!o) throw new MalformedBodyError(`${field} is null`);
  return o;
}

/** A member a listed entry cannot be listed without, read by `read`: absent or empty is MalformedBodyError naming it. */
export function required<T>(
  read: (value: unknown, field: string) => T | null,
  o: JsonObject,
  member: string,
  field: string,
): T {
  const named = `${field}.${member}`;
  const value = read(o[member], named);
  if (!value) throw new MalformedBodyError(`${named} is missing`);
  return value;
}

/**
 * A JSON list answer as a page: the `list` member's entries, each read by `read` under its
 * position's name, and the `token` member (empty is the last page, as absent is).
 */
export function jsonListPage<S>(
  body: JsonObject,
  list: string,
  token: string,
  read: (value: unknown, field: string) => S,
): ListPage<S> {
  const items = arr(body[list], list).map((value, i) => read(value, `${list}[${i}]`));
  return { items, nextToken: str(body[token], token) || null };
}
