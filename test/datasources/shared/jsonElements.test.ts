import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonElements } from '../../../src/datasources/shared/jsonElements.ts';

const elementsOf = (text: string) => {
  const body = Buffer.from(text, 'utf8');
  const found = jsonElements(body, 'jobs');
  return found && found.map(([start, end]) => body.subarray(start, end).toString('utf8'));
};

/** JSON objects with nesting, strings full of quotes, braces and escapes. */
const element = fc.dictionary(
  fc.string(),
  fc.jsonValue({ maxDepth: 3 }).map((v) => (v === undefined ? null : v)),
  { maxKeys: 4 },
);

describe('jsonElements (JSON.parse as the oracle)', () => {
  it('finds each element of {"jobs": [...]} however the body is spaced, each parsing to what JSON.parse reads', () => {
    fc.assert(
      fc.property(
        fc.array(element, { maxLength: 5 }),
        fc.constantFrom(0, 1, 2, '\t'),
        (jobs, indent) => {
          const text = JSON.stringify({ jobs }, null, indent);
          const found = elementsOf(text);
          expect(found).not.toBeNull();
          expect(found!.map((e) => JSON.parse(e) as unknown)).toEqual(
            (JSON.parse(text) as { jobs: unknown[] }).jobs,
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts nothing JSON.parse would refuse once its elements parse, and reads what it accepts as JSON.parse does', () => {
    const valid = fc
      .array(element, { maxLength: 3 })
      .chain((jobs) => {
        const text = JSON.stringify({ jobs });
        return fc.tuple(
          fc.constant(text),
          fc.nat(text.length),
          fc.nat(text.length),
          fc.string({ maxLength: 3 }),
        );
      })
      // A valid body cut, with bytes put in or taken out: truncations, garbage, broken strings.
      .map(
        ([text, at, cut, put]) =>
          text.slice(0, at) + put + text.slice(Math.min(text.length, at + (cut % 4))),
      );
    fc.assert(
      fc.property(fc.oneof(valid, fc.string()), (text) => {
        const found = elementsOf(text);
        if (found === null) return;
        let parsed: unknown[];
        try {
          parsed = found.map((e) => JSON.parse(e) as unknown);
        } catch {
          return; // an element JSON.parse refuses: the caller refuses the body
        }
        expect(JSON.parse(text)).toEqual({ jobs: parsed });
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves a body of any other shape to the whole parse', () => {
    for (const text of [
      '',
      '{}',
      '{"jobs":[]} x',
      '{"jobs":[1]}',
      '{"jobs":[{}],"nextToken":null}',
      '{"other":[{}]}',
      '{"jo\\u0062s":[{}]}',
      '\uFEFF{"jobs":[{}]}',
      '{"jobs":[{"a":"}"}',
      '{"jobs":[{}]',
    ])
      expect(elementsOf(text)).toBeNull();
    expect(elementsOf(' {\n "jobs" : [ {"a":"}\\""} , {} ] }\n')).toEqual(['{"a":"}\\""}', '{}']);
    expect(elementsOf('{"jobs":[]}')).toEqual([]);
  });
});
