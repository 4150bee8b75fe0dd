import { SingleFieldSubscriptionsRule, specifiedRules, type ValidationRule } from 'graphql';
import type { Config } from '../config/index.ts';
import { MAX_LIST_FIRST } from '../datasources/listing/index.ts';
import { knownOperationTypeRule } from './knownOperationTypeRule.ts';
import { maxAliasesRule } from './maxAliasesRule.ts';
import { maxCostRule } from './maxCostRule.ts';
import { maxDepthRule } from './maxDepthRule.ts';
import { maxDirectivesRule } from './maxDirectivesRule.ts';
import { maxRootFieldsRule } from './maxRootFieldsRule.ts';
import {
  guardedSingleFieldSubscriptionsRule,
  subscriptionRootDirectivesRule,
} from './subscriptionRootDirectivesRule.ts';

export { subscriptionRootDirectivesRefusal } from './subscriptionRootDirectivesRule.ts';

/**
 * graphql-js's specified rules for the validations jobgraph runs itself (subscriptions), with
 * SingleFieldSubscriptionsRule guarded so that it reports instead of throwing (see
 * subscriptionRootDirectivesRule.ts). Apollo Server runs graphql-js's own list.
 */
export const SPECIFIED_RULES: readonly ValidationRule[] = specifiedRules.map((rule) =>
  rule === SingleFieldSubscriptionsRule ? guardedSingleFieldSubscriptionsRule : rule,
);

/** The `extensions.code` of every validation-rule limit rejection (depth, aliases, directives, cost, root fields). */
export const LIMIT_ERROR_CODE = 'GRAPHQL_VALIDATION_FAILED';

/**
 * The `extensions.code` of a token-limit rejection: graphql-js's parser stops at the limit
 * with a syntax error, which Apollo answers as a parse failure (HTTP 400).
 */
export const TOKEN_LIMIT_ERROR_CODE = 'GRAPHQL_PARSE_FAILED';

/** What server.ts passes to `new ApolloServer(…)`. */
export interface QueryLimits {
  validationRules: ValidationRule[];
  /** Apollo's `parseOptions`: the token limit, enforced by graphql-js's own parser. */
  parseOptions: { maxTokens: number };
  /** Strip "Did you mean …?" from validation errors (true when introspection is off). */
  hideSchemaDetailsFromClientErrors: boolean;
}

/**
 * The query limits, all checked before execution (so before any upstream call) and each
 * rejection's message naming the limit, its value and the variable that sets it, e.g. "Query
 * depth limit of 12 (JOBGRAPH_MAX_DEPTH) exceeded, found 13.":
 *
 * - depth, aliases, directives and static cost: {@link maxDepthRule}, {@link maxAliasesRule},
 *   {@link maxDirectivesRule}, {@link maxCostRule} (a connection's page size from a variable
 *   counts as `listJobs`' largest page, MAX_LIST_FIRST);
 * - tokens: graphql-js's parser (`parseOptions.maxTokens`), which aborts with a syntax error, a
 *   GRAPHQL_PARSE_FAILED 400 like every other; its message is graphql-js's, and
 *   {@link nameTokenLimit} adds the variable where the one formatError shapes what clients see;
 * - root fields: {@link maxRootFieldsRule};
 * - operation types the schema does not define: {@link knownOperationTypeRule};
 * - `@skip`/`@include` on a subscription's root field: {@link subscriptionRootDirectivesRule};
 * - field suggestions ("Did you mean …") hidden when introspection is off (Apollo's
 *   `hideSchemaDetailsFromClientErrors`), so errors do not reveal the schema that
 *   introspection would not.
 *
 * Depth and cost treat fragments as the response does: a fragment adds no nesting, so moving
 * a selection into a named fragment changes neither. Introspection's `__schema` is left out
 * of depth and cost (the Sandbox introspection query is deeper than any job query); with
 * introspection off Apollo refuses it anyway.
 */
export function createQueryLimits(config: Pick<Config, 'limits' | 'introspection'>): QueryLimits {
  const { limits } = config;
  return {
    validationRules: [
      knownOperationTypeRule,
      subscriptionRootDirectivesRule,
      maxCostRule(limits.maxCost, MAX_LIST_FIRST),
      maxAliasesRule(limits.maxAliases),
      maxDirectivesRule(),
      maxDepthRule(limits.maxDepth),
      maxRootFieldsRule(),
    ],
    parseOptions: { maxTokens: limits.maxTokens },
    hideSchemaDetailsFromClientErrors: !config.introspection,
  };
}

/** graphql-js's own message at the token limit (16 writes "more that"; a fixed wording is accepted too). */
const TOKEN_LIMIT_MESSAGE =
  /^Syntax Error: Document contains more tha[nt] (\d+) tokens\. Parsing aborted\.$/;

/**
 * The token limit's refusal naming its variable: "Syntax Error: Document contains more than 4000
 * tokens (JOBGRAPH_MAX_TOKENS). Parsing aborted." Any other message is returned as it is.
 *
 * graphql-js's parser writes the message and Apollo Server has no hook between its parser and the
 * answer other than the error formatter (and the SSE and WebSocket transports parse on their own),
 * so the formatter every transport shares (http/formatError.ts `createFormatError`) applies this.
 */
export function nameTokenLimit(message: string): string {
  const found = TOKEN_LIMIT_MESSAGE.exec(message);
  return found
    ? `Syntax Error: Document contains more than ${found[1]} tokens (JOBGRAPH_MAX_TOKENS). Parsing aborted.`
    : message;
}
