import {
  Kind,
  OperationTypeNode,
  execute,
  getOperationAST,
  parse,
  validate,
  visit,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { distinctJobKeys, jobFieldsBound, type BudgetConfig } from './limits/jobBudget.ts';
import { SPECIFIED_RULES } from './limits/index.ts';

/** Query documents (with an operation name) remembered at most; the map is emptied when full (a client's usual queries are soon back). */
export const MAX_KNOWN_OPERATIONS = 1000;
/** Longest query text remembered (characters); longer ones always go through Apollo. */
export const MAX_KNOWN_QUERY_LENGTH = 20_000;
/** Query text remembered in all (characters; the documents are a small multiple of it); the map is emptied past it. */
export const MAX_KNOWN_QUERY_CHARS = 1024 * 1024;

/** A document that parsed and validated as Apollo would accept it, and the query operation a request selects in it. */
export interface KnownOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** The operation's own name (what Apollo reports as `operationName`), or null. */
  operationName: string | null;
  /** Whether the operation may load more jobs than the budget (a list of IDs or representations), so each request's variables must be counted (`fitsBudget`). */
  countJobs: boolean;
}

/** What the direct path needs from a JSON POST body: nothing else may be in it (no `extensions`, so no APQ). */
export interface PlainRequest {
  query: string;
  operationName: string | undefined;
  variables: Record<string, unknown>;
}

/** The body's query, operation name and variables, when it holds only those with their usual types; else null. */
export function plainRequestOf(body: unknown): PlainRequest | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  let query: unknown, operationName: unknown, variables: unknown;
  for (const key in body) {
    const value = (body as Record<string, unknown>)[key];
    if (key === 'query') query = value;
    else if (key === 'operationName') operationName = value;
    else if (key === 'variables') variables = value;
    else return null;
  }
  if (typeof query !== 'string' || query.length > MAX_KNOWN_QUERY_LENGTH) return null;
  if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return null;
  if (variables !== undefined && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  return {
    query,
    operationName: typeof operationName === 'string' ? operationName : undefined,
    variables: (variables ?? {}) as Record<string, unknown>,
  };
}

/** Whether a document reads the schema (`__schema`, `__type`): Apollo refuses that when introspection is off; leave it to Apollo either way. */
function introspects(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
}

/**
 * Query documents already parsed and validated, by query text and operation name: a request that
 * sends one again need not pay Apollo's per-request pipeline (hash, document cache, plugins' hooks)
 * to run it. Only what is certain to behave the same is remembered: a document that parses
 * within the token limit and passes graphql-js's rules and jobgraph's limits, whose selected
 * operation is a query and reads no schema introspection. Anything else (`null`) is Apollo's, and
 * so is a request whose variables ask for more distinct jobs than the per-request budget
 * (`fitsBudget`: Apollo's job-budget plugin refuses it).
 */
export class KnownOperations {
  private readonly known = new Map<string, KnownOperation | null>();
  private chars = 0;
  private readonly rules: readonly ValidationRule[];

  constructor(
    private readonly schema: GraphQLSchema,
    validationRules: readonly ValidationRule[],
    private readonly parseOptions: { maxTokens: number },
    private readonly budget: BudgetConfig,
  ) {
    this.rules = [...SPECIFIED_RULES, ...validationRules];
  }

  /** The operation a request runs, or null when it must go through Apollo. */
  lookup(query: string, operationName: string | undefined): KnownOperation | null {
    const key = operationName === undefined ? query : `${operationName}\u0000${query}`;
    let entry = this.known.get(key);
    if (entry === undefined) {
      entry = this.prepare(query, operationName);
      if (this.known.size >= MAX_KNOWN_OPERATIONS || this.chars + key.length > MAX_KNOWN_QUERY_CHARS) {
        this.known.clear();
        this.chars = 0;
      }
      this.known.set(key, entry);
      this.chars += key.length;
    }
    return entry;
  }

  private prepare(query: string, operationName: string | undefined): KnownOperation | null {
    let document: DocumentNode;
    try {
      document = parse(query, this.parseOptions);
    } catch {
      return null;
    }
    if (validate(this.schema, document, this.rules).length > 0) return null;
    const operation = getOperationAST(document, operationName);
    if (!operation || operation.operation !== OperationTypeNode.QUERY || introspects(document)) return null;
    if (document.definitions.some((d) => d.kind !== Kind.OPERATION_DEFINITION && d.kind !== Kind.FRAGMENT_DEFINITION)) return null;
    const countJobs = jobFieldsBound(document, operation) > this.budget.limits.maxJobsPerRequest;
    return { document, operation, operationName: operation.name?.value || null, countJobs };
  }

  /**
   * Whether a request may run on the direct path as far as the job budget goes: always when its
   * operation cannot load more jobs than the budget; otherwise when its variables coerce and
   * name at most that many distinct jobs, counted as `jobBudgetPlugin` counts them. False sends
   * it to Apollo, which refuses it (400) before any resolver runs.
   */
  fitsBudget(known: KnownOperation, variables: Record<string, unknown>): boolean {
    if (!known.countJobs) return true;
    const keys = distinctJobKeys(this.schema, known.document, known.operation, variables, this.budget);
    return keys !== null && keys.size <= this.budget.limits.maxJobsPerRequest;
  }

  /**
   * Run a known operation, as Apollo's `execute` step does (no root value, the default field
   * resolver). Resolves to null, before any resolver ran, when the variables do not coerce
   * (graphql-js then answers errors without `data`): Apollo answers that one (400 BAD_USER_INPUT).
   */
  async execute(known: KnownOperation, variables: Record<string, unknown>, contextValue: unknown): Promise<ExecutionResult | null> {
    const result = await execute({
      schema: this.schema,
      document: known.document,
      operationName: known.operation.name?.value,
      variableValues: variables,
      contextValue,
    });
    return result.data === undefined ? null : result;
  }
}

/** A response head that error extensions may carry (`extensions.http`), as Apollo merges it into the response. */
export interface ResponseHead {
  status: number | undefined;
  headers: Map<string, string>;
}

function isPartialHead(x: unknown): x is { status?: number; headers?: Map<string, string> } {
  return !!x && typeof x === 'object' && (!('status' in x) || typeof x.status === 'number') && (!('headers' in x) || x.headers instanceof Map);
}

/**
 * Apollo Server's error formatting (`normalizeAndFormatErrors`, stack traces off), for the
 * direct path: each error gets a `code` (INTERNAL_SERVER_ERROR when it has none), an
 * `extensions.http` is merged into the response head and removed, then `formatError` decides
 * what the client sees; a `formatError` that throws gives "Internal server error".
 */
export function formatErrorsAsApollo(
  errors: readonly GraphQLError[],
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
  head: ResponseHead,
): GraphQLFormattedError[] {
  return errors.map((error) => {
    try {
      const extensions: Record<string, unknown> = { ...error.extensions, code: error.extensions.code ?? 'INTERNAL_SERVER_ERROR' };
      if (isPartialHead(extensions.http)) {
        if (extensions.http.status) head.status = extensions.http.status;
        if (extensions.http.headers) for (const [k, v] of extensions.http.headers) head.headers.set(k, v);
        delete extensions.http;
      }
      return formatError({ ...error.toJSON(), extensions }, error);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
}

/** Apollo's content types for a single result. */
export const JSON_TYPE = 'application/json; charset=utf-8';
export const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';

/**
 * The content type Apollo would answer for an `Accept` header, for the few headers whose answer is
 * certain; undefined for any other (the request then goes through Apollo, which negotiates it).
 */
export function contentTypeFor(accept: string | undefined): string | undefined {
  if (accept === undefined || accept === '*/*' || accept === 'application/json' || accept === 'application/json, */*') return JSON_TYPE;
  if (accept === 'application/graphql-response+json') return GRAPHQL_RESPONSE_TYPE;
  return undefined;
}
