import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import {
  GRAPHQL_RESPONSE_TYPE,
  JSON_TYPE,
  KnownOperations,
  MAX_KNOWN_OPERATIONS,
  MAX_KNOWN_QUERY_CHARS,
  MAX_KNOWN_QUERY_LENGTH,
  contentTypeFor,
  formatErrorsAsApollo,
  plainRequestOf,
  type ResponseHead,
} from '../src/knownOperations.ts';
import { createQueryLimits } from '../src/limits/index.ts';
import { buildSchema } from '../src/schema.ts';

const config = loadConfig({ mode: 'demo' }, { JOBGRAPH_MAX_JOBS_PER_REQUEST: '2' });
const limits = createQueryLimits(config);
const { schema } = buildSchema();
const known = () => new KnownOperations(schema, limits.validationRules, limits.parseOptions, config);

describe('KnownOperations', () => {
  it('remembers a valid query and the operation a request selects', () => {
    const ops = known();
    const query = 'query A { __typename } query B($id: ID!) { job(id: $id) { id } }';
    const b = ops.lookup(query, 'B');
    expect(b?.operationName).toBe('B');
    expect(ops.lookup(query, 'B')).toBe(b);
    expect(ops.lookup(query, undefined)).toBeNull(); // two operations, none named: Apollo's error
    expect(ops.lookup('{ __typename }', undefined)?.operationName).toBeNull();
  });

  it('leaves to Apollo what it must decide: syntax, validation, limits, introspection, mutations', () => {
    const ops = known();
    expect(ops.lookup('{ job(id: ', undefined)).toBeNull();
    expect(ops.lookup('{ job(id: "x") { nope } }', undefined)).toBeNull();
    expect(ops.lookup(`{ ${Array.from({ length: 60 }, (_, i) => `a${i}: __typename`).join(' ')} }`, undefined)).toBeNull();
    expect(ops.lookup('{ __schema { queryType { name } } }', undefined)).toBeNull();
    expect(ops.lookup('{ __type(name: "Job") { name } }', undefined)).toBeNull();
    expect(ops.lookup('mutation { x }', undefined)).toBeNull();
    expect(ops.lookup('subscription S($ids: [ID!]!) { jobUpdates(ids: $ids) { id } }', undefined)).toBeNull();
  });

  it('counts the distinct jobs a request names only when its operation may load more than the budget, and leaves one over it to Apollo', () => {
    const ops = known(); // budget: 2 jobs
    const two = ops.lookup('{ a: job(id: "importexport:ABCDE") { id } b: job(id: "importexport:FGHIJ") { id } }', undefined);
    expect(two?.countJobs).toBe(false);
    expect(two && ops.fitsBudget(two, {})).toBe(true);
    // Three single-job fields may load more than two; counted, they do.
    const three = ops.lookup(
      '{ a: job(id: "importexport:ABCDE") { id } b: job(id: "importexport:FGHIJ") { id } c: job(id: "importexport:KLMNO") { id } }',
      undefined,
    );
    expect(three?.countJobs).toBe(true);
    expect(three && ops.fitsBudget(three, {})).toBe(false);
    // A list of IDs: counted per request, as the job-budget plugin counts (distinct, well-formed, @skip applied).
    const list = ops.lookup('query($ids: [ID!]!, $skip: Boolean = false) { jobs(ids: $ids) @skip(if: $skip) { id } }', undefined);
    if (!list) throw new Error('not known');
    expect(list.countJobs).toBe(true);
    const ids = ['importexport:ABCDE', 'importexport:FGHIJ', 'importexport:KLMNO'];
    expect(ops.fitsBudget(list, { ids: ids.slice(0, 2) })).toBe(true);
    expect(ops.fitsBudget(list, { ids: [ids[0], ids[1], ids[0], ids[1]] })).toBe(true);
    expect(ops.fitsBudget(list, { ids: [...ids.slice(0, 2), 'not an id', 'importexport:'] })).toBe(true);
    expect(ops.fitsBudget(list, { ids })).toBe(false);
    expect(ops.fitsBudget(list, { ids, skip: true })).toBe(true);
    // Variables that do not coerce: Apollo answers them.
    expect(ops.fitsBudget(list, { ids: [{}] })).toBe(false);
    expect(ops.fitsBudget(list, {})).toBe(false);
    const entities = ops.lookup('query($r: [_Any!]!) { _entities(representations: $r) { ... on Job { id } } }', undefined);
    if (!entities) throw new Error('not known');
    const rep = (id: string) => ({ __typename: 'ImportExportJob', id });
    expect(ops.fitsBudget(entities, { r: [rep(ids[0] as string), rep(ids[1] as string)] })).toBe(true);
    expect(ops.fitsBudget(entities, { r: ids.map(rep) })).toBe(false);
  });

  it('runs an operation, and answers null without running a resolver when its variables do not coerce', async () => {
    const ops = known();
    const op = ops.lookup('query($id: ID!) { job(id: $id) { id } }', undefined);
    if (!op) throw new Error('not known');
    let loads = 0;
    const context = { identity: { authenticated: false, scopes: new Set() }, loadJob: () => (loads++, Promise.reject(new Error('no'))) };
    expect(await ops.execute(op, {}, context)).toBeNull();
    expect(await ops.execute(op, { id: {} }, context)).toBeNull();
    expect(loads).toBe(0);
    expect((await ops.execute(op, { id: 'nope' }, context))?.data).toEqual({ job: null });
  });

  it(`holds at most ${MAX_KNOWN_OPERATIONS} documents`, () => {
    const ops = known();
    for (let i = 0; i <= MAX_KNOWN_OPERATIONS; i++) ops.lookup(`{ a${i}: __typename }`, undefined);
    expect((ops as unknown as { known: Map<string, unknown> }).known.size).toBe(1);
  });

  it(`holds at most ${MAX_KNOWN_QUERY_CHARS} characters of query text`, () => {
    const ops = known();
    const pad = ' '.repeat(MAX_KNOWN_QUERY_LENGTH - 100);
    const count = Math.floor(MAX_KNOWN_QUERY_CHARS / (pad.length + 20));
    for (let i = 0; i <= count; i++) ops.lookup(`{ a${i}: __typename }${pad}`, undefined);
    expect((ops as unknown as { known: Map<string, unknown> }).known.size).toBe(1);
  });
});

describe('plainRequestOf', () => {
  it('takes a body of query, operation name and variables only', () => {
    expect(plainRequestOf({ query: '{ a }' })).toEqual({ query: '{ a }', operationName: undefined, variables: {} });
    expect(plainRequestOf({ query: '{ a }', operationName: null, variables: null })).toEqual({ query: '{ a }', operationName: undefined, variables: {} });
    expect(plainRequestOf({ query: '{ a }', operationName: 'A', variables: { x: 1 } })).toEqual({ query: '{ a }', operationName: 'A', variables: { x: 1 } });
    for (const body of [
      null,
      [],
      {},
      { query: 1 },
      { query: '{ a }', extensions: {} },
      { query: '{ a }', operationName: 1 },
      { query: '{ a }', variables: [] },
      { query: '{ a }', variables: 'x' },
      { query: 'x'.repeat(20_001) },
    ])
      expect(plainRequestOf(body)).toBeNull();
  });
});

describe('contentTypeFor', () => {
  it("answers Apollo's content type only for Accept headers whose answer is certain", () => {
    expect(contentTypeFor(undefined)).toBe(JSON_TYPE);
    expect(contentTypeFor('*/*')).toBe(JSON_TYPE);
    expect(contentTypeFor('application/json')).toBe(JSON_TYPE);
    expect(contentTypeFor('application/graphql-response+json')).toBe(GRAPHQL_RESPONSE_TYPE);
    expect(contentTypeFor('text/html')).toBeUndefined();
    expect(contentTypeFor('application/graphql-response+json, application/json;q=0.9')).toBeUndefined();
  });
});

describe('formatErrorsAsApollo', () => {
  it('codes, merges extensions.http into the head, and survives a formatter that throws', () => {
    const head: ResponseHead = { status: undefined, headers: new Map() };
    const errors = [
      // Apollo's own shape of `extensions.http` (a HeaderMap), not the one the `graphql` types declare.
      new GraphQLError('a', { extensions: { http: { status: 418, headers: new HeaderMap([['x-a', '1']]) } } as never }),
      new GraphQLError('b', { extensions: { code: 'NOT_FOUND' } }),
      new GraphQLError('boom'),
    ];
    const out = formatErrorsAsApollo(
      errors,
      (f) => {
        if (f.message === 'boom') throw new Error('no');
        return f;
      },
      head,
    );
    expect(out).toEqual([
      { message: 'a', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      { message: 'b', extensions: { code: 'NOT_FOUND' } },
      { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
    expect(head).toEqual({ status: 418, headers: new Map([['x-a', '1']]) });
  });
});
