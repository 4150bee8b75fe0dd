import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  parse,
  validate,
  type ExecutionArgs,
  type GraphQLSchema,
} from 'graphql';
import type { JobgraphError } from '../errors.ts';
import { SPECIFIED_RULES, type QueryLimits } from '../limits/index.ts';
import { requestBudgetRefusal, type BudgetConfig } from '../limits/jobBudget.ts';
import type { WatchContext } from './hub.ts';
import type { ValidDocuments } from './validDocuments.ts';

export interface OperationParams {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

export interface PrepareOptions {
  schema: GraphQLSchema;
  limits: QueryLimits;
  config: BudgetConfig;
  /** Documents already parsed and validated with this schema and these limits; absent: none kept. */
  documents?: ValidDocuments;
}

/** An error for the whole operation from a jobgraph error (e.g. UNAUTHENTICATED). */
export function operationError(err: JobgraphError): GraphQLError {
  return new GraphQLError(err.message, { originalError: err, extensions: { ...err.extensions } });
}

const withCode = (e: GraphQLError, code: string): GraphQLError =>
  new GraphQLError(e.message, {
    ...(e.nodes ? { nodes: e.nodes } : {}),
    ...(e.source ? { source: e.source } : {}),
    ...(e.positions ? { positions: e.positions } : {}),
    extensions: { code },
  });

const badRequest = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } });

/**
 * A subscription operation checked as queries are, before anything executes (so before any
 * upstream call): the token limit in the parser, the validation rules with every query limit
 * (depth, aliases, directives, cost, root fields), only `subscription` operations, the cap on
 * the length of `jobUpdates(ids:)` (read before anything is coerced, so a long list costs
 * nothing), and the per-request job budget over it. Returns the execution arguments, or the
 * errors to refuse it with.
 */
export function prepareSubscription(
  options: PrepareOptions,
  params: OperationParams,
  contextValue: WatchContext,
): ExecutionArgs | GraphQLError[] {
  const { schema, limits, config } = options;
  if (typeof params.query !== 'string')
    return [badRequest('The request must carry the operation as a string "query".')];
  if (params.operationName != null && typeof params.operationName !== 'string')
    return [badRequest('"operationName" must be a string.')];
  if (
    params.variables != null &&
    (typeof params.variables !== 'object' || Array.isArray(params.variables))
  ) {
    return [badRequest('"variables" must be an object.')];
  }
  const operationName = params.operationName ?? undefined;
  const variables = (params.variables as Record<string, unknown> | null | undefined) ?? {};
  let document = options.documents?.get(params.query);
  if (!document) {
    try {
      document = parse(params.query, limits.parseOptions);
    } catch (err) {
      if (err instanceof GraphQLError) return [withCode(err, 'GRAPHQL_PARSE_FAILED')];
      throw err;
    }
    const errors = validate(schema, document, [...SPECIFIED_RULES, ...limits.validationRules]);
    if (errors.length) return errors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
    options.documents?.add(params.query, document);
  }
  const operation = getOperationAST(document, operationName);
  if (!operation)
    return [
      badRequest(
        operationName
          ? `No operation named "${operationName}".`
          : 'Name the operation to run with "operationName".',
      ),
    ];
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
    return [
      badRequest(
        `Only subscriptions are served over Server-Sent Events and WebSocket; send a ${operation.operation} as a plain POST /graphql.`,
      ),
    ];
  }
  const refusal = requestBudgetRefusal(schema, document, operation, variables, config);
  if (refusal) return [operationError(refusal)];
  return {
    schema,
    document,
    ...(operationName ? { operationName } : {}),
    variableValues: variables,
    contextValue,
  };
}
