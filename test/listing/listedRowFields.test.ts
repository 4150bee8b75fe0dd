import {
  getNamedType,
  isCompositeType,
  isEnumType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLOutputType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { clientSchema } from '../../src/cli/schema.ts';
import { PROVIDERS } from '../../src/datasources/registry.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

/**
 * Every field of the `Job` interface selected on `listJobs` rows of every listable provider,
 * through the real HTTP server and the emulators. The fields are read from the schema, so a field
 * added to `Job` is covered here without touching this file: a listed row is a summary whose other
 * fields come from the job's record (resolvers/JobConnection.ts), and a field with its own
 * resolver must read them the way graphql-js's default resolver does.
 */

const schema = clientSchema();
const jobInterface = schema.getType('Job');
if (!isInterfaceType(jobInterface)) throw new Error('the schema has no Job interface');
/**
 * Every Job field but `logTail`: a job's log lines are another service's read under their own
 * scope and budget, asked for one job at a time (test/datasources/logs/logTail.test.ts reads a
 * listed row's).
 */
const JOB_FIELDS: readonly GraphQLField<unknown, unknown>[] = Object.values(
  jobInterface.getFields(),
).filter((field) => field.name !== 'logTail');

/** A field's selection: composite types by `__typename`, so any new field can be asked for. */
const selection = JOB_FIELDS.map((field) =>
  isCompositeType(getNamedType(field.type)) ? `${field.name} { __typename }` : field.name,
).join(' ');

/** ISO-8601 UTC as DateTime serialises it (schema/job.graphql). */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/** Why `value` is not a value of `type` as the schema declares it, or null when it is one. */
function mismatch(value: unknown, type: GraphQLOutputType): string | null {
  if (isNonNullType(type))
    return value === null || value === undefined
      ? 'null for a non-null field'
      : mismatch(value, type.ofType);
  if (value === null) return null;
  if (isListType(type)) {
    if (!Array.isArray(value)) return 'not a list';
    for (const item of value) {
      const inner = mismatch(item, type.ofType);
      if (inner !== null) return `an item: ${inner}`;
    }
    return null;
  }
  if (isEnumType(type))
    return type.getValues().some((v) => v.name === value) ? null : `not a ${type.name} value`;
  if (isScalarType(type)) {
    switch (type.name) {
      case 'Boolean':
        return typeof value === 'boolean' ? null : 'not a boolean';
      case 'Int':
        return Number.isInteger(value) ? null : 'not an integer';
      case 'Float':
        return typeof value === 'number' ? null : 'not a number';
      case 'DateTime':
        return typeof value === 'string' && ISO_UTC.test(value) && !Number.isNaN(Date.parse(value))
          ? null
          : 'not an ISO-8601 UTC timestamp';
      default:
        return typeof value === 'string' ? null : `not a ${type.name} string`;
    }
  }
  return typeof value === 'object' ? null : 'not an object';
}

const LISTABLE = PROVIDERS.filter((p) => p.list !== undefined).map((p) => p.name);

describe('listJobs rows', () => {
  const gw = useTestGateway();

  it('cover the five listable providers', () => {
    expect(LISTABLE).toHaveLength(5);
  });

  it.each(LISTABLE)('of %s answer every Job field, each as the schema types it', async (name) => {
    const res = await gql<{ listJobs: { nodes: Record<string, unknown>[] } }>(
      gw,
      `query Rows($filter: JobListFilter) { listJobs(first: 5, filter: $filter) { nodes { ${selection} } } }`,
      { variables: { filter: { providers: [name] } }, token: gw.tokens.read },
    );
    expect(res.body.errors).toBeUndefined();
    const nodes = res.body.data?.listJobs.nodes ?? [];
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) {
      const wrong = JOB_FIELDS.flatMap((field) => {
        const why = mismatch(node[field.name], field.type);
        return why === null ? [] : [`${field.name}: ${why}`];
      });
      expect(wrong, String(node.id)).toEqual([]);
      expect(node.provider).toBe(name);
    }
  });
});
