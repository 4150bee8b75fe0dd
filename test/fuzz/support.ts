import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { MalformedBodyError, UpstreamError } from '../../src/errors.ts';
import { isTerminalState, JOB_STATES, type JobRecord } from '../../src/model.ts';

/** ISO-8601 UTC as `Date#toISOString` writes it (expanded ±YYYYYY years included). */
export const ISO_UTC = /^(\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** The wire body of a golden fixture under test/fixtures/<provider>/. */
export function fixtureBody(provider: string, name: string): string {
  const raw = readFileSync(new URL(`../fixtures/${provider}/${name}`, import.meta.url), 'utf8');
  return (JSON.parse(raw) as { body: string }).body;
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: MalformedBodyError | UpstreamError };

/**
 * Run one parse: a value, or one of the parse step's typed errors. Anything else thrown
 * (TypeError, RangeError, a library's plain Error) is rethrown, so the property fails on it.
 */
export function typedOutcome<T>(run: () => T): Outcome<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof MalformedBodyError || error instanceof UpstreamError) return { ok: false, error };
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
  return error instanceof Error ? `${error.constructor.name}: ${error.message.slice(0, 200)}` : String(error).slice(0, 200);
}

/** Invariants of every normalised record: a JobState, `terminal` agreeing with it, times null or ISO UTC. */
export function expectRecordInvariants(record: JobRecord & Record<string, unknown>, extraTimeFields: readonly string[] = []): void {
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
