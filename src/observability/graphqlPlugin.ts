import { SpanKind, SpanStatusCode, context, trace, type Span } from '@opentelemetry/api';
import type { ApolloServerPlugin } from '@apollo/server';
import type express from 'express';
import { JobgraphError } from '../errors.ts';
import type { Observability } from './index.ts';
import { boundedOperationName } from './bounded.ts';
import { safeSpan } from './tracing.ts';

/**
 * The span of one GraphQL operation: started before the token is checked, as a child of the
 * caller's W3C `traceparent` when it sent one, and made the active span for the rest of the
 * request (Apollo, resolvers, loader batches and upstream attempts run inside it). Ends when the
 * response is finished or the connection closes.
 */
export function operationSpanMiddleware(observability: Observability): express.RequestHandler {
  const tracing = observability.tracing;
  if (!tracing) return (_req, _res, next) => next();
  return (req, res, next) => {
    const parent = tracing.extract(req.headers);
    const span = tracing.tracer.startSpan(
      'graphql operation',
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } },
      parent,
    );
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', end);
    context.with(trace.setSpan(parent, span), next);
  };
}

const CODE_SHAPE = /^[A-Z][A-Z_]{0,63}$/;

/**
 * Names the operation span `<type> <name>` once the operation is known. The name is the caller's:
 * cut to MAX_OPERATION_NAME_LENGTH (`boundedOperationName`), so a huge one makes neither a huge
 * span nor unbounded span-name cardinality, and scrubbed of secret values by the span (`safeSpan`).
 */
export function nameOperationSpan(
  operationSpan: Span | undefined,
  operationType: string,
  operationName: string | null | undefined,
): void {
  const span = safeSpan(operationSpan);
  if (!span) return;
  const name = boundedOperationName(operationName);
  span.updateName(name ? `${operationType} ${name}` : operationType);
  span.setAttribute('graphql.operation.type', operationType);
  if (name) span.setAttribute('graphql.operation.name', name);
}

/**
 * Counts one GraphQL request (`jobgraph_graphql_requests_total{operation_type,outcome}`; outcome
 * `ok` or the first error's code) and marks the span with a failed outcome.
 */
function countOperation(
  observability: Observability,
  span: Span | undefined,
  operationType: string | undefined,
  errors: readonly { originalError?: unknown; extensions?: Record<string, unknown> }[] | undefined,
): void {
  const e = errors?.[0];
  const first =
    e?.originalError instanceof JobgraphError ? e.originalError.code : e?.extensions?.code;
  // A code is one of jobgraph's or Apollo's upper-case constants; anything else (never expected)
  // is counted as INTERNAL_SERVER_ERROR, so the label's values stay few.
  const outcome =
    errors && errors.length > 0
      ? typeof first === 'string' && CODE_SHAPE.test(first)
        ? first
        : 'INTERNAL_SERVER_ERROR'
      : 'ok';
  observability.metrics?.graphqlRequest(operationType ?? 'unknown', outcome);
  if (span && outcome !== 'ok') safeSpan(span).setAttribute('jobgraph.outcome', outcome);
}

/** The operation span, when tracing is on: the active span (`operationSpanMiddleware` started it). */
export const operationSpan = (observability: Observability): Span | undefined =>
  observability.tracing ? safeSpan(trace.getActiveSpan()) : undefined;

/**
 * Counts every GraphQL request, observes its duration
 * (`jobgraph_graphql_request_duration_seconds{operation_type}`) and names the operation span (see
 * above): every request runs through Apollo's pipeline (HTTP, SSE and WebSocket operations alike).
 */
export function observabilityPlugin<C extends object>(
  observability: Observability,
): ApolloServerPlugin<C> {
  return {
    async requestDidStart() {
      const started = performance.now();
      const span = operationSpan(observability);
      return {
        async didResolveOperation({ operation, operationName }) {
          if (operation) nameOperationSpan(span, operation.operation, operationName);
        },
        async willSendResponse({ operation, errors }) {
          countOperation(observability, span, operation?.operation, errors);
          observability.metrics?.graphqlDuration(
            operation?.operation ?? 'unknown',
            (performance.now() - started) / 1000,
          );
        },
      };
    },
  };
}
