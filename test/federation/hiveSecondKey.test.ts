import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { composeServices } from '@apollo/composition';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHiveGateway } from '../support/hiveGateway.ts';

/**
 * The smallest supergraph that shows why jobgraph's tests run Hive Gateway with the router runtime.
 * Subgraph `a` declares an entity interface `Node @key(fields: "id")` and one implementation; `b` adds
 * `extra` to every Node through `@interfaceObject`. The Federation 2.3 entity-interface rules let an
 * implementation carry keys beyond the interface's ("These entities can optionally define additional
 * @keys as needed", apollographql/federation docs, entities/interfaces.mdx), as jobgraph's concrete job
 * types do (`@key(fields: "id") @key(fields: "account region nativeId")`).
 *
 * With @graphql-hive/gateway 2.15.1 (gateway-runtime 2.12.1, @graphql-tools/federation 4.5.2) the default
 * runtime plans `{ node { extra } }` without ever calling `b` once `Thing` has the second key, and
 * answers "Unexpected error." (graphql-hive/graphql-yoga#3372 reports the same). The router runtime
 * (@graphql-hive/router-runtime 1.4.23, query planner 0.0.38) resolves it. If the "default runtime" test
 * fails, Hive has fixed its planner: update the Hive Gateway notes in the README and docs/federation.md.
 */
const nodeSubgraph = (thingKeys: string) => `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  interface Node @key(fields: "id") { id: ID! }
  type Thing implements Node ${thingKeys} { id: ID! code: String! }
  type Query { node(id: ID!): Node }
`;
const EXTRA_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@interfaceObject"])
  type Node @key(fields: "id") @interfaceObject { id: ID! extra: String! }
`;
const ONE_KEY = '@key(fields: "id")';
const TWO_KEYS = '@key(fields: "id") @key(fields: "code")';

const thing = { __typename: 'Thing', id: 't1', code: 'c1' };
const servers: { stop(): Promise<void> }[] = [];
const supergraphs = new Map<string, string>();
let extraCalls = 0;

async function serve(typeDefs: string, resolvers: Record<string, unknown>, onRequest = () => {}) {
  const server = new ApolloServer({
    schema: buildSubgraphSchema({ typeDefs: parse(typeDefs), resolvers: resolvers as never }),
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async () => {
      onRequest();
      return {};
    },
  });
  servers.push(server);
  return url;
}

beforeAll(async () => {
  const extraUrl = await serve(
    EXTRA_SDL,
    {
      Node: {
        __resolveReference: (r: { id: string }) => ({ id: r.id }),
        extra: (n: { id: string }) => `extra-${n.id}`,
      },
    },
    () => {
      extraCalls += 1;
    },
  );
  for (const keys of [ONE_KEY, TWO_KEYS]) {
    const url = await serve(nodeSubgraph(keys), {
      Query: { node: (_: unknown, { id }: { id: string }) => (id === thing.id ? thing : null) },
      Node: {
        __resolveReference: (r: { id: string }) => (r.id === thing.id ? thing : null),
        __resolveType: () => 'Thing',
      },
      Thing: {
        __resolveReference: (r: { id?: string; code?: string }) =>
          r.id === thing.id || r.code === thing.code ? thing : null,
      },
    });
    const composed = composeServices([
      { name: 'a', url, typeDefs: parse(nodeSubgraph(keys)) },
      { name: 'b', url: extraUrl, typeDefs: parse(EXTRA_SDL) },
    ]);
    expect(composed.errors).toBeUndefined();
    supergraphs.set(keys, composed.supergraphSdl as string);
  }
});
afterAll(async () => {
  for (const s of servers) await s.stop();
});

async function askExtra(runtime: 'router' | 'default', keys: string) {
  const hive = await startHiveGateway({ supergraph: supergraphs.get(keys) as string, runtime });
  try {
    extraCalls = 0;
    const res = await fetch(hive.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ node(id: "t1") { id extra } }' }),
    });
    return {
      body: (await res.json()) as {
        data?: { node: unknown } | null;
        errors?: { message: string; path?: unknown[] }[];
      },
      extraCalls,
    };
  } finally {
    await hive.stop();
  }
}

describe('an @interfaceObject field when the implementation has a second @key, through Hive Gateway', () => {
  it('composes: a second @key on an implementation of an entity interface is valid Federation 2', () => {
    expect(supergraphs.get(TWO_KEYS)).toMatch(
      /type Thing implements Node\s+@join__implements\(graph: A, interface: "Node"\)\s+@join__type\(graph: A, key: "id"\)\s+@join__type\(graph: A, key: "code"\)/,
    );
  });

  it.each([ONE_KEY, TWO_KEYS])('the router runtime resolves it (Thing %s)', async (keys) => {
    const { body, extraCalls: calls } = await askExtra('router', keys);
    expect(body).toEqual({ data: { node: { id: 't1', extra: 'extra-t1' } } });
    expect(calls).toBe(1);
  });

  it('the default runtime resolves it with one key but never asks the @interfaceObject subgraph with two', async () => {
    const one = await askExtra('default', ONE_KEY);
    expect(one.body).toEqual({ data: { node: { id: 't1', extra: 'extra-t1' } } });
    expect(one.extraCalls).toBe(1);

    const two = await askExtra('default', TWO_KEYS);
    expect(two.extraCalls).toBe(0);
    expect(two.body.data?.node).toBeNull();
    expect(two.body.errors?.map((e) => [e.message, e.path])).toEqual([
      ['Unexpected error.', ['node', 'extra']],
    ]);
  });
});
