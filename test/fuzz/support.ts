import fc from 'fast-check';
import { expect } from 'vitest';
import { COS_REGIONS, PATTERNS, type PatternName } from '../../src/model/globalId.ts';
import { MalformedBodyError, UpstreamError } from '../../src/errors.ts';
import { isTerminalState, JOB_STATES, type JobRecord } from '../../src/model/job.ts';
import { loadFixture, type FixtureProvider } from '../support/fixtures.ts';

/** ISO-8601 UTC as `Date#toISOString` writes it (expanded ±YYYYYY years included). */
export const ISO_UTC = /^(\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every kind of JS value an SDK or JSON.parse could hand over, and some neither would. */
export const anything = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withNullPrototype: true,
  withObjectString: true,
  withSet: true,
  withSparseArray: true,
  withTypedArray: true,
});

/** Numbers at the edges: not finite, negative zero, and the ends of a Date's range (±8.64e12 ms) and just past one. */
export const EDGE_NUMBERS = [NaN, Infinity, -Infinity, -0, 8.64e12, 8.64e12 + 1, -8.64e12];

/** The wire body of a golden fixture under test/fixtures/<provider>/. */
export function fixtureBody(provider: FixtureProvider, name: string): string {
  return loadFixture(provider, name).body;
}

export type Outcome<T> =
  { ok: true; value: T } | { ok: false; error: MalformedBodyError | UpstreamError };

/**
 * Run one parse: a value, or one of the parse step's typed errors. Anything else thrown
 * (TypeError, RangeError, a library's plain Error) is rethrown, so the property fails on it.
 */
export function typedOutcome<T>(run: () => T): Outcome<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof MalformedBodyError || error instanceof UpstreamError)
      return { ok: false, error };
    throw new Error(`untyped throw: ${describeError(error)}`, { cause: error });
  }
}

/** Like typedOutcome, but only MalformedBodyError is allowed (the shared readers). */
export function malformedOnly<T>(run: () => T): Outcome<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof MalformedBodyError) return { ok: false, error };
    throw new Error(`not a MalformedBodyError: ${describeError(error)}`, { cause: error });
  }
}

function describeError(error: unknown): string {
  return error instanceof Error
    ? `${error.constructor.name}: ${error.message.slice(0, 200)}`
    : String(error).slice(0, 200);
}

/** Invariants of every normalised record: a JobState, `terminal` agreeing with it, times null or ISO UTC. */
export function expectRecordInvariants(
  record: JobRecord & Record<string, unknown>,
  extraTimeFields: readonly string[] = [],
): void {
  expect(JOB_STATES).toContain(record.state);
  expect(record.terminal).toBe(isTerminalState(record.state));
  expect(typeof record.id).toBe('string');
  expect(typeof record.nativeId).toBe('string');
  for (const field of ['createdAt', 'updatedAt', 'completedAt', ...extraTimeFields]) {
    const value = record[field];
    if (value === null) continue;
    expect(typeof value, field).toBe('string');
    expect(value, field).toMatch(ISO_UTC);
    expect(Number.isNaN(Date.parse(value as string)), field).toBe(false);
  }
}

/**
 * Real regions to generate valid keys from: the region patterns accept only regions the
 * provider serves (AWS: the SDK's partitions; COS: Tencent's list), which a regex-generated
 * string almost never is.
 */
const SERVED_REGIONS: Partial<Record<PatternName, readonly string[]>> = {
  awsRegion: [
    'us-east-1',
    'us-east-2',
    'us-west-2',
    'eu-west-1',
    'eu-central-1',
    'ap-southeast-2',
    'ap-northeast-1',
    'sa-east-1',
    'cn-north-1',
    'us-gov-west-1',
    'us-isob-east-1',
    'eusc-de-east-1',
  ],
  cosRegion: [...COS_REGIONS],
};

/** A value every check of the pattern accepts (form and, for a region, served). */
export const validPart = (name: PatternName): fc.Arbitrary<string> => {
  const regions = SERVED_REGIONS[name];
  return regions ? fc.constantFrom(...regions) : fc.stringMatching(PATTERNS[name].re);
};

/** Whether checkArgument accepts `value` for `name`: the pattern's form and, for a region, a region served. */
export function acceptsPart(name: PatternName, value: string): boolean {
  const pattern = PATTERNS[name] as { re: RegExp; served?: { test(v: string): boolean } };
  return pattern.re.test(value) && (pattern.served?.test(value) ?? true);
}
