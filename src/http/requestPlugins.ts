import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import type { Identity } from '../auth/identity.ts';
import type { RequestContext } from '../context.ts';

// The Apollo plugins every GraphQL request goes through: its log line and headers, and codes for
// the request errors Apollo raises without one.

/** The one log line per GraphQL operation: name, duration, error codes. Never variables, tokens or data. */
function logOperation(
  logger: Logger,
  requestId: string,
  operationName: string | null | undefined,
  identity: Identity,
  started: number,
  errors: readonly { extensions?: Record<string, unknown> }[] | undefined,
): void {
  const codes = (errors ?? []).map((e) =>
    typeof e.extensions?.code === 'string' ? e.extensions.code : 'INTERNAL_SERVER_ERROR',
  );
  logger.info(
    {
      requestId,
      operationName: operationName ?? null,
      authenticated: identity.authenticated,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
      errorCodes: codes,
    },
    'graphql request',
  );
}

/**
 * Writes the request's account-refusal lines, marks every response `Cache-Control: no-store` (what Apollo's cache-control plugin, which is
 * off, would answer for a schema without cache hints; a response may carry a secret), and
 * writes one log line per operation (`logOperation`) under the request's ID.
 */
export function requestPlugin(
  logger: Logger,
  requestIds: WeakMap<object, string>,
): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async didEncounterErrors({ contextValue: ctx, errors }) {
          for (const e of errors) requestIds.set(e, ctx.requestId);
        },
        async willSendResponse({ contextValue: ctx, response, operationName, errors }) {
          // Every field has resolved: the request's refusals are written, one line per field.
          ctx.flushRefusals();
          // The request ID is on the response already (server.ts `requestIdOf`, before the
          // token is checked): set again here it would be set twice on every answer.
          response.http.headers.set('cache-control', 'no-store');
          logOperation(
            logger,
            contextValue.requestId,
            operationName,
            ctx.identity,
            started,
            errors,
          );
        },
      };
    },
  };
}

/**
 * Apollo raises a few request errors without a code, only an HTTP 4xx: an APQ hash that does
 * not match its query, an unsupported APQ version. Without a code they would be formatted
 * (and logged) as INTERNAL_SERVER_ERROR; they are the client's mistake, so give them
 * BAD_REQUEST before they are formatted. Resolver errors (they have a path or an original
 * error) are never touched.
 */
function codeRequestErrors(errors: readonly GraphQLError[]): void {
  for (const e of errors) {
    if (e.extensions.code !== undefined || e.path !== undefined || e.originalError) continue;
    const status = (e.extensions.http as { status?: unknown } | undefined)?.status;
    if (typeof status === 'number' && status >= 400 && status < 500)
      (e.extensions as Record<string, unknown>).code = 'BAD_REQUEST';
  }
}

export const requestErrorCodesPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors }) {
        codeRequestErrors(errors);
      },
    };
  },
};
