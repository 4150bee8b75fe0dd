import { makeExecutableSchema } from '@graphql-tools/schema';
import { GraphQLError, execute, parse, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../src/errors.ts';
import { parseGlobalId } from '../../src/model/globalId.ts';
import { Query } from '../../src/resolvers/Query.ts';

// The `jobs` resolver answers a failed item with its Error and graphql-js locates it
// (`locatedError`). It must be what graphql-js makes of the same failure as a rejected item:
// same response, same error as seen by Apollo Server's formatting (nodes, source, positions,
// originalError).

const typeDefs = /* GraphQL */ `
  type Job {
    id: ID!
  }
  type Query {
    jobs(ids: [ID!]!): [Job]!
  }
`;

const notFound = () =>
  new UpstreamError({
    provider: 'AWS_PANORAMA',
    code: 'NOT_FOUND',
    message: 'No such job.',
    upstreamCode: 'ResourceNotFoundException',
    upstreamRequestId: 'req-1',
  });

/** The jobs resolver over a context whose every load fails with NOT_FOUND. */
const ours = makeExecutableSchema({ typeDefs, resolvers: { Query: { jobs: Query.jobs } } });

/** graphql-js's own way: each item a rejected promise, located by graphql-js. */
const theirs = makeExecutableSchema({
  typeDefs,
  resolvers: {
    Query: {
      jobs: (_s: unknown, { ids }: { ids: string[] }) =>
        ids.map((id, i) => {
          try {
            parseGlobalId(id, `ids[${i}]`);
          } catch (err) {
            if (err instanceof Error) return Promise.reject(err);
            throw err;
          }
          return Promise.reject(notFound());
        }),
    },
  },
});

const context = {
  config: { limits: { maxJobIds: 100 } },
  loadJob: () => Promise.reject(notFound()),
};

const IDS = ['panorama:us-east-1:pkg-1', 'nope', 'panorama:us-east-1:pkg-2'];
const document = parse(
  `query Q($ids: [ID!]!) {\n  first: jobs(ids: $ids) { id }\n  again: jobs(ids: $ids) { id }\n}`,
);

async function run(schema: typeof ours): Promise<ExecutionResult> {
  return execute({ schema, document, variableValues: { ids: IDS }, contextValue: context });
}

describe('a failed item of jobs(ids:)', () => {
  it('answers as graphql-js would: nulls, then each error with its message, locations, path and extensions', async () => {
    const [a, b] = [await run(ours), await run(theirs)];
    expect(a.data).toEqual({ first: [null, null, null], again: [null, null, null] });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.errors).toHaveLength(6);
    expect(a.errors?.map((e) => e.path)).toEqual([
      ['first', 0],
      ['first', 1],
      ['first', 2],
      ['again', 0],
      ['again', 1],
      ['again', 2],
    ]);
    expect(a.errors?.[0]?.locations).toEqual([{ line: 2, column: 3 }]);
    expect(a.errors?.[3]?.locations).toEqual([{ line: 3, column: 3 }]);
    expect(a.errors?.[1]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(a.errors?.[0]?.extensions).toMatchObject({
      code: 'NOT_FOUND',
      upstreamCode: 'ResourceNotFoundException',
      upstreamRequestId: 'req-1',
    });
  });

  it('is a GraphQLError to whoever reads one: same enumerable keys, nodes, source, positions, original error, name and text', async () => {
    const [a, b] = [await run(ours), await run(theirs)];
    a.errors?.forEach((mine, i) => {
      const real = b.errors?.[i] as GraphQLError;
      expect(mine).toBeInstanceOf(GraphQLError);
      expect(mine).toBeInstanceOf(Error);
      expect(Object.keys(mine)).toEqual(Object.keys(real));
      expect(mine.name).toBe('GraphQLError');
      expect(mine.nodes).toEqual(real.nodes);
      expect(mine.source).toBe(real.source);
      expect(mine.positions).toEqual(real.positions);
      expect(mine.originalError?.constructor).toBe(real.originalError?.constructor);
      expect(mine.originalError?.message).toBe(real.originalError?.message);
      expect(mine.stack).toBe(mine.originalError?.stack);
      expect(String(mine)).toBe(String(real));
      expect(mine.toJSON()).toEqual(real.toJSON());
      // Apollo Server's enrichError rebuilds a GraphQLError from those properties.
      const rebuilt = new GraphQLError(mine.message, {
        nodes: mine.nodes ?? null,
        source: mine.source ?? null,
        positions: mine.positions ?? null,
        path: mine.path ?? null,
        originalError: mine.originalError ?? null,
        extensions: mine.extensions,
      });
      expect(rebuilt.toJSON()).toEqual(real.toJSON());
    });
  });

  it('keeps a GraphQLError the load failed with as graphql-js keeps it', async () => {
    const own = new GraphQLError('already located', { path: ['elsewhere', 7] });
    const schema = makeExecutableSchema({ typeDefs, resolvers: { Query: { jobs: Query.jobs } } });
    const result = await execute({
      schema,
      document: parse('{ jobs(ids: ["panorama:us-east-1:pkg-1"]) { id } }'),
      contextValue: { ...context, loadJob: () => Promise.reject(own) },
    });
    expect(result.errors?.[0]).toBe(own);
  });
});
