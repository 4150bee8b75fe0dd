import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { composeServices } from '@apollo/composition';
import { createGatewayRuntime, type GatewayConfigSupergraph } from '@graphql-hive/gateway';
import { GraphQLError, parse } from 'graphql';
import { maskError } from 'graphql-yoga';
import { PUBLIC_ERROR_CODES } from '../../src/errors.ts';
import { loadTypeDefs } from '../../src/schema.ts';

/** The name jobgraph has in the supergraph; header propagation keys on it. */
export const JOBGRAPH_SUBGRAPH = 'jobgraph';

/** Composes jobgraph (at `jobgraphUrl`) and other subgraphs into a supergraph SDL with @apollo/composition. */
export function composeWithJobgraph(
  jobgraphUrl: string,
  others: { name: string; url: string; sdl: string }[],
): string {
  const composed = composeServices([
    { name: JOBGRAPH_SUBGRAPH, url: jobgraphUrl, typeDefs: loadTypeDefs() },
    ...others.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  return composed.supergraphSdl;
}

/**
 * The header propagation jobgraph needs behind Hive Gateway (docs/federation.md shows the same in a gateway.config.ts):
 * - the caller's `Authorization` goes to jobgraph and to no other subgraph;
 * - jobgraph's `Cache-Control: no-store` (sent when a response carries a secret) reaches the client.
 *   Without this, Hive Gateway answers with no Cache-Control at all.
 */
export const jobgraphHeaderPropagation = {
  fromClientToSubgraphs: ({ request, subgraphName }: { request: Request; subgraphName: string }) =>
    subgraphName === JOBGRAPH_SUBGRAPH
      ? { authorization: request.headers.get('authorization') }
      : undefined,
  fromSubgraphsToClient: ({
    response,
    subgraphName,
  }: {
    response: Response;
    subgraphName: string;
  }) => {
    const cacheControl = response.headers.get('cache-control');
    return subgraphName === JOBGRAPH_SUBGRAPH && cacheControl?.includes('no-store')
      ? { 'cache-control': 'no-store' }
      : undefined;
  },
};

/** An error as a subgraph formats it: a GraphQLError for queries, a plain object in subscription events. */
interface FormattedLike {
  message?: unknown;
  path?: readonly (string | number)[] | undefined;
  extensions?: Record<string, unknown>;
}

function isPublicJobgraphError(e: FormattedLike): e is FormattedLike & { message: string } {
  const code = e.extensions?.code;
  return (
    typeof e.message === 'string' &&
    typeof code === 'string' &&
    code !== 'INTERNAL_SERVER_ERROR' &&
    PUBLIC_ERROR_CODES.has(code)
  );
}

/**
 * Hive Gateway's error masking, except that jobgraph's own errors keep their message, path and code.
 * jobgraph formats every error it sends (allow-listed codes, scrubbed messages, anything else
 * "Internal server error"), so passing them on is what the gateway does for queries anyway. It matters
 * for subscription events: there the router runtime hands the masker jobgraph's errors as plain objects,
 * not GraphQLErrors, and the default masking turns FORBIDDEN into "Unexpected error." without a path.
 * Only jobgraph's public codes pass (src/errors.ts), never its INTERNAL_SERVER_ERROR.
 * Errors Hive makes itself (a refused connection, its own INTERNAL_SERVER_ERROR) stay masked.
 */
export function maskErrorsExceptJobgraphs(error: unknown, message: string, isDev?: boolean): Error {
  const e = error as FormattedLike | null;
  if (e?.extensions?.serviceName === JOBGRAPH_SUBGRAPH) {
    // Over graphql-ws, jobgraph refusing a whole operation (an `error` message) reaches the masker as
    // DOWNSTREAM_SERVICE_ERROR wrapping the refusal's errors, without a message: show jobgraph's own.
    const wrapped = (error as { originalError?: unknown }).originalError;
    const inner =
      Array.isArray(wrapped) && wrapped.length === 1 ? (wrapped[0] as FormattedLike) : null;
    const own =
      inner && isPublicJobgraphError(inner)
        ? {
            ...inner,
            path: e.path,
            extensions: { ...inner.extensions, serviceName: JOBGRAPH_SUBGRAPH },
          }
        : e;
    if (isPublicJobgraphError(own))
      return new GraphQLError(own.message, {
        ...(own.path ? { path: own.path } : {}),
        extensions: { ...own.extensions },
      });
  }
  return maskError(error, message, isDev);
}

export interface HiveGatewayOptions {
  supergraph: string;
  /** `router`: the Rust query planner (`@graphql-hive/router-runtime`, the CLI's `--hive-router-runtime`); `default`: Hive's JS planner. */
  runtime: 'router' | 'default';
  /** Pass jobgraph's `Cache-Control: no-store` on to the client (default true). */
  passNoStore?: boolean;
  /** How Hive subscribes to jobgraph: GraphQL over SSE (POST, Hive's HTTP transport; the default) or graphql-ws on /graphql. */
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
    maskedErrors: { maskError: maskErrorsExceptJobgraphs },
    graphiql: false,
    landingPage: false,
    propagateHeaders: {
      deduplicateHeaders: true,
      fromClientToSubgraphs,
      ...(options.passNoStore === false ? {} : { fromSubgraphsToClient }),
    },
    ...(options.runtime === 'router'
      ? { unifiedGraphHandler: (await import('@graphql-hive/router-runtime')).unifiedGraphHandler }
      : {}),
    transportEntries: {
      [JOBGRAPH_SUBGRAPH]: {
        options:
          options.subscriptions === 'ws'
            ? {
                subscriptions: {
                  kind: 'ws',
                  location: '/graphql',
                  // One socket per distinct token: subscribers with different scopes never share one.
                  options: {
                    connectionParams: { Authorization: '{context.headers.authorization}' },
                  },
                },
              }
            : // Hive subscribes over SSE with a GET by default; jobgraph serves GraphQL over SSE on POST (graphql-sse's
              // distinct connections mode). Queries are POSTs either way.
              { method: 'POST' },
      },
    },
  });
  // The runtime is a request listener that returns a promise; it answers errors itself.
  const server = createServer((req, res) => void gateway(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    stop: async () => {
      // A test makes jobgraph refuse Hive's socket at connection_init (4401). Under two busy
      // loops Hive's dispose once re-raised that close (a CloseEvent, thrown from afterAll) while
      // its handling of it was still under way: that refusal is the test's doing, not a failure to
      // stop; anything else still fails the file.
      try {
        await gateway.dispose();
      } catch (e) {
        if (!isRefusedSocket(e)) throw e;
      }
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The close of a graphql-ws socket jobgraph refused for want of a token (4401 Unauthorized). */
function isRefusedSocket(e: unknown): boolean {
  const close = e as { type?: unknown; code?: unknown } | null;
  return (
    typeof close === 'object' && close !== null && close.type === 'close' && close.code === 4401
  );
}
