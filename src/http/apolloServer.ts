// Apollo Server as the gateway builds it, and each request's context: out of server.ts (issue 105, files under 500 lines).
import type http from 'node:http';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTrace } from '@apollo/server/plugin/inlineTrace';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from '../config/index.ts';
import { createRequestContext, type GatewayParts, type RequestContext } from '../context.ts';
import { subscriptionRootDirectivesRefusal, type QueryLimits } from '../limits/index.ts';
import { jobBudgetPlugin } from '../limits/jobBudget.ts';
import type { Observability } from '../observability/index.ts';
import { observabilityPlugin } from '../observability/graphqlPlugin.ts';
import type { Admitted } from './authenticator.ts';
import type { createFormatError } from './formatError.ts';
import { requestErrorCodesPlugin, requestPlugin } from './requestPlugins.ts';

/** What of the server's options (ServerOptions, server.ts) Apollo Server is built from. */
interface ApolloOptions {
  config: Config;
  logger: Logger;
  built: { schema: GraphQLSchema };
  /** Sandbox's initial operation and headers (demo mode). */
  sandbox?: { document?: string; headers?: Record<string, string> };
  observability?: Observability;
}

/** What Apollo Server is built with besides the options: the HTTP server it drains, the limits, the error formatting. */
export interface ApolloParts {
  httpServer: http.Server;
  limits: QueryLimits;
  formatError: ReturnType<typeof createFormatError>;
  requestIds: WeakMap<object, string>;
  /** The logger of the per-request lines (fixed fields only). */
  operationLog: Logger;
}

/** Apollo Server with jobgraph's limits, CSRF prevention, formatError and plugins; not started. */
export function createApollo(
  options: ApolloOptions,
  parts: ApolloParts,
): ApolloServer<RequestContext> {
  const { config, logger } = options;
  const { limits } = parts;
  return new ApolloServer<RequestContext>({
    schema: options.built.schema,
    introspection: config.introspection,
    // A request carrying `Authorization` cannot be a simple cross-site request (a browser sends
    // that header only after a preflight), so it passes whatever its method or content type.
    csrfPrevention: {
      requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'],
    },
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    validationRules: limits.validationRules,
    parseOptions: limits.parseOptions,
    hideSchemaDetailsFromClientErrors: limits.hideSchemaDetailsFromClientErrors,
    formatError: parts.formatError,
    // main.ts owns SIGTERM/SIGINT (it drains, then closes the sources); Apollo's own handlers
    // would stop the server a second time and re-raise the signal.
    stopOnTerminationSignals: false,
    plugins: apolloPlugins(options, parts),
    logger: {
      debug: (m) => logger.debug(m),
      info: (m) => logger.info(m),
      warn: (m) => logger.warn(m),
      error: (m) => logger.error(m),
    },
  });
}

/** Apollo Server's plugins, in the order they run. */
function apolloPlugins(
  options: ApolloOptions,
  { httpServer, requestIds, operationLog }: ApolloParts,
): ApolloServerPlugin<RequestContext>[] {
  const { config } = options;
  const landing = config.introspection
    ? ApolloServerPluginLandingPageLocalDefault({
        embed: true,
        includeCookies: false,
        footer: false,
        ...(options.sandbox?.document ? { document: options.sandbox.document } : {}),
        ...(options.sandbox?.headers ? { headers: options.sandbox.headers } : {}),
      })
    : ApolloServerPluginLandingPageDisabled();
  return [
    // The schema has no cache hints, so every response is no-store (requestPlugin says so) and
    // the plugin's hook on every resolved field would compute nothing.
    ApolloServerPluginCacheControlDisabled(),
    requestErrorCodesPlugin,
    jobBudgetPlugin(config),
    // On close: stop accepting connections, let in-flight requests finish for up to the
    // grace period, then cut the remaining sockets.
    ApolloServerPluginDrainHttpServer({
      httpServer,
      stopGracePeriodMillis: config.resilience.shutdownGraceMs,
    }),
    landing,
    // Federated inline traces (`ftv1`), installed explicitly so Apollo does not install them itself
    // and log "Enabling inline tracing…" at every start. Kept on: a router asks for them (header
    // `apollo-federation-include-trace: ftv1`) to feed GraphOS field-level statistics, and a
    // request without that header costs nothing. They are not jobgraph's tracing (that is
    // OpenTelemetry); they hold field timings, never values, and errors masked.
    ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }),
    requestPlugin(operationLog, requestIds),
    ...(options.observability ? [observabilityPlugin<RequestContext>(options.observability)] : []),
  ];
}

/** Apollo's context function for one admitted request and its operation (body or URL parameters). */
export type ContextFactory = (admitted: Admitted, body: unknown) => () => Promise<RequestContext>;

/**
 * The context of each request: a subscription-only directive on the root refused first, then one
 * RequestContext of `gateway` (src/context.ts) for the caller.
 */
export function contextFactory(gateway: GatewayParts, limits: QueryLimits): ContextFactory {
  return (admitted, body) => async () => {
    const refusal = subscriptionRootDirectivesRefusal(
      (body as { query?: unknown } | null)?.query,
      limits.parseOptions,
    );
    if (refusal) throw refusal;
    return createRequestContext(gateway, admitted.identity, admitted.requestId, {
      idempotencyKey: admitted.idempotencyKey,
    });
  };
}
