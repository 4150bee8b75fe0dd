import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { createGatewayRuntime, type GatewayConfigSupergraph } from '@graphql-hive/gateway';
import { parse } from 'graphql';
import { loadTypeDefs } from '../../src/schema.ts';

/** The name jobgraph has in the supergraph; header propagation keys on it. */
export const JOBGRAPH_SUBGRAPH = 'jobgraph';

/** Composes jobgraph (at `jobgraphUrl`) and other subgraphs into a supergraph SDL with @apollo/composition. */
export function composeWithJobgraph(jobgraphUrl: string, others: { name: string; url: string; sdl: string }[]): string {
  const composed = composeServices([
    { name: JOBGRAPH_SUBGRAPH, url: jobgraphUrl, typeDefs: loadTypeDefs() },
    ...others.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

/**
 * The header propagation jobgraph needs behind Hive Gateway (the README shows the same in a gateway.config.ts):
 * - the caller's `Authorization` goes to jobgraph and to no other subgraph;
 * - jobgraph's `Cache-Control: no-store` (sent when a response carries a secret) reaches the client.
 *   Without this, Hive Gateway answers with no Cache-Control at all.
 */
export const jobgraphHeaderPropagation = {
  fromClientToSubgraphs: ({ request, subgraphName }: { request: Request; subgraphName: string }) =>
    subgraphName === JOBGRAPH_SUBGRAPH ? { authorization: request.headers.get('authorization') } : undefined,
  fromSubgraphsToClient: ({ response, subgraphName }: { response: Response; subgraphName: string }) => {
    const cacheControl = response.headers.get('cache-control');
    return subgraphName === JOBGRAPH_SUBGRAPH && cacheControl?.includes('no-store') ? { 'cache-control': 'no-store' } : undefined;
  },
};

export interface HiveGatewayOptions {
  supergraph: string;
  /** `router`: the Rust query planner (`@graphql-hive/router-runtime`, the CLI's `--hive-router-runtime`); `default`: Hive's JS planner. */
  runtime: 'router' | 'default';
  /** Pass jobgraph's `Cache-Control: no-store` on to the client (default true). */
  passNoStore?: boolean;
  /** How Hive subscribes to jobgraph: GraphQL over SSE on the HTTP transport (Hive's default) or graphql-ws on /graphql. */
  subscriptions?: 'sse' | 'ws';
}

export interface HiveGateway {
  /** The gateway's GraphQL endpoint, `http://127.0.0.1:<port>/graphql`. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Hive Gateway in this process, on an ephemeral loopback port: `createGatewayRuntime` (what the
 * `hive-gateway supergraph` CLI runs) served by node:http.
 */
export async function startHiveGateway(options: HiveGatewayOptions): Promise<HiveGateway> {
  const { fromClientToSubgraphs, fromSubgraphsToClient } = jobgraphHeaderPropagation;
  const gateway = createGatewayRuntime({
    supergraph: options.supergraph as GatewayConfigSupergraph['supergraph'],
    logging: 'error',
    graphiql: false,
    landingPage: false,
    propagateHeaders: { deduplicateHeaders: true, fromClientToSubgraphs, ...(options.passNoStore === false ? {} : { fromSubgraphsToClient }) },
    ...(options.runtime === 'router' ? { unifiedGraphHandler: (await import('@graphql-hive/router-runtime')).unifiedGraphHandler } : {}),
    ...(options.subscriptions === 'ws'
      ? {
          transportEntries: {
            [JOBGRAPH_SUBGRAPH]: {
              options: {
                subscriptions: {
                  kind: 'ws',
                  location: '/graphql',
                  // One socket per distinct token: subscribers with different scopes never share one.
                  options: { connectionParams: { Authorization: '{context.headers.authorization}' } },
                },
              },
            },
          },
        }
      : {}),
  });
  // The runtime is a request listener that returns a promise; it answers errors itself.
  const server = createServer((req, res) => void gateway(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    stop: async () => {
      await gateway.dispose();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
