import { parse, type ExecutionArgs, type GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { createQueryLimits } from '../../src/limits/index.ts';
import { buildSchema } from '../../src/schema.ts';
import type { WatchContext } from '../../src/subscriptions/hub.ts';
import { prepareSubscription, type PrepareOptions } from '../../src/subscriptions/operation.ts';
import { ValidDocuments } from '../../src/subscriptions/validDocuments.ts';

const QUERY = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }';
const config = loadConfig({ mode: 'live' }, { JOBGRAPH_MAX_JOBS_PER_REQUEST: '2' });
const { schema } = buildSchema();
const context = {} as WatchContext;

function options(documents = new ValidDocuments()): PrepareOptions {
  return { schema, limits: createQueryLimits(config), config, documents };
}

const prepared = (o: PrepareOptions, query: string, ids: string[]) =>
  prepareSubscription(o, { query, variables: { ids } }, context);

describe('ValidDocuments', () => {
  it('gives the subscriptions that send the same text one document, parsed and validated once', () => {
    const o = options();
    const a = prepared(o, QUERY, ['importexport:PNDG1']) as ExecutionArgs;
    const b = prepared(o, QUERY, ['importexport:INPG1']) as ExecutionArgs;
    expect(a.document).toBe(b.document);
    expect(b.variableValues).toEqual({ ids: ['importexport:INPG1'] });
    expect(o.documents?.size).toBe(1);
  });

  it('still refuses each subscription over the job budget by its own variables', () => {
    const o = options();
    expect(Array.isArray(prepared(o, QUERY, ['importexport:PNDG1']))).toBe(false);
    const refused = prepared(o, QUERY, ['importexport:A1', 'importexport:A2', 'importexport:A3']);
    expect((refused as GraphQLError[])[0]?.message).toMatch(/JOBGRAPH_MAX_JOBS_PER_REQUEST/);
  });

  it('keeps no document that fails to parse or validate, and refuses it every time', () => {
    const o = options();
    for (const query of ['subscription {', 'subscription { jobUpdates(ids: []) { nope } }'])
      for (let i = 0; i < 2; i++) expect(Array.isArray(prepared(o, query, []))).toBe(true);
    expect(o.documents?.size).toBe(0);
  });

  it('keeps at most maxEntries texts, dropping the least recently used, and no text over maxLength', () => {
    const store = new ValidDocuments(2, 40);
    const doc = parse('{ a }');
    store.add('one', doc);
    store.add('two', doc);
    store.get('one');
    store.add('three', doc);
    expect([store.get('one'), store.get('two'), store.get('three')]).toEqual([doc, undefined, doc]);
    store.add('x'.repeat(41), doc);
    expect(store.get('x'.repeat(41))).toBeUndefined();
  });
});
