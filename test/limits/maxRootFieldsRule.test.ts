import { parse, specifiedRules, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { maxRootFieldsRule } from '../../src/limits/maxRootFieldsRule.ts';
import { buildSchema } from '../../src/schema.ts';

const { schema } = buildSchema();
const ID = 'importexport:CMPL1';

function check(query: string, max = 3): string[] {
  return validate(schema, parse(query), [...specifiedRules, maxRootFieldsRule(max)]).map(
    (e) => e.message,
  );
}

describe('maxRootFieldsRule', () => {
  it('accepts an operation with exactly the limit', () => {
    expect(
      check(`{ a: job(id: "${ID}") { id } b: job(id: "${ID}") { id } c: job(id: "${ID}") { id } }`),
    ).toEqual([]);
  });

  it('counts each alias of the same field', () => {
    expect(
      check(
        `{ a: job(id: "${ID}") { id } b: job(id: "${ID}") { id } c: job(id: "${ID}") { id } d: job(id: "${ID}") { id } }`,
      ),
    ).toEqual(['Root fields limit of 3 exceeded, found 4.']);
  });

  it('counts fields behind fragment spreads, nested spreads and inline fragments', () => {
    const query = `
      query { ...A ... on Query { c: job(id: "${ID}") { id } } }
      fragment A on Query { a: job(id: "${ID}") { id } ...B }
      fragment B on Query { b: job(id: "${ID}") { id } d: jobs(ids: ["${ID}"]) { id } }`;
    expect(check(query)).toEqual(['Root fields limit of 3 exceeded, found 4.']);
  });

  it('counts __typename, _service and _entities like any other field', () => {
    expect(
      check(
        `{ __typename _service { sdl } _entities(representations: []) { __typename } job(id: "${ID}") { id } }`,
      ),
    ).toEqual(['Root fields limit of 3 exceeded, found 4.']);
  });

  it('counts a response key once however often it is selected, as graphql-js runs it once', () => {
    const query = `query { job(id: "${ID}") { id } ...A ...A job(id: "${ID}") { provider } }
      fragment A on Query { job(id: "${ID}") { id } __typename }`;
    expect(check(query, 2)).toEqual([]);
  });

  it('counts conditional fields, whose variables are unknown at validation', () => {
    expect(
      check(
        `query($no: Boolean!) { a: job(id: "${ID}") @include(if: $no) { id } b: job(id: "${ID}") { id } }`,
        1,
      ),
    ).toEqual(['Root fields limit of 1 exceeded, found 2.']);
  });

  it('checks each operation of a document on its own', () => {
    const query = `query One { a: job(id: "${ID}") { id } b: job(id: "${ID}") { id } }
      query Two { a: job(id: "${ID}") { id } }`;
    expect(check(query, 2)).toEqual([]);
    expect(check(query, 1)).toEqual(['Root fields limit of 1 exceeded, found 2.']);
  });

  it('survives a fragment cycle (which NoFragmentCyclesRule reports)', () => {
    const errors = check(
      `{ ...A } fragment A on Query { __typename ...B } fragment B on Query { ...A }`,
    );
    expect(errors).toEqual([expect.stringMatching(/Cannot spread fragment "A" within itself/)]);
  });
});
