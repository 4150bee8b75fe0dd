import { SingleFieldSubscriptionsRule, specifiedRules, type ValidationRule } from 'graphql';
import type { Config } from '../config.ts';
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
 * rejection's message naming the limit and its value, e.g. "Query depth limit of 12 exceeded,
 * found 13.":
 *
 * - depth, aliases, directives and static cost: {@link maxDepthRule}, {@link maxAliasesRule},
 *   {@link maxDirectivesRule}, {@link maxCostRule};
 * - tokens: graphql-js's parser (`parseOptions.maxTokens`), which aborts with "Syntax Error:
 *   Document contains more than 4000 tokens. Parsing aborted.": a GRAPHQL_PARSE_FAILED 400,
 *   like every other syntax error;
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
      maxCostRule(limits.maxCost),
      maxAliasesRule(limits.maxAliases),
      maxDirectivesRule(limits.maxDirectives),
      maxDepthRule(limits.maxDepth),
      maxRootFieldsRule(limits.maxRootFields),
    ],
    parseOptions: { maxTokens: limits.maxTokens },
    hideSchemaDetailsFromClientErrors: !config.introspection,
  };
}
