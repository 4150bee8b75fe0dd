import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext, type ValidationRule } from 'graphql';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { maxRootFieldsRule } from './maxRootFieldsRule.ts';

/**
 * The `extensions.code` of every limit rejection. Apollo Server gives this code to every
 * validation-rule error whatever the rule reports, so the token limit (checked while parsing)
 * uses it too: one code for "the operation was refused before execution".
 */
export const LIMIT_ERROR_CODE = 'GRAPHQL_VALIDATION_FAILED';

/** What server.ts passes to `new ApolloServer(…)`. */
export interface QueryLimits {
  validationRules: ValidationRule[];
  plugins: ApolloServerPlugin<BaseContext>[];
  /** Strip "Did you mean …?" from validation errors (true when introspection is off). */
  hideSchemaDetailsFromClientErrors: boolean;
}

/**
 * The query limits, all checked before execution (so before any upstream call) and each
 * rejection's message naming the limit and its value, e.g. "Query depth limit of 12 exceeded,
 * found 13.":
 *
 * - depth, aliases, directives and static cost: graphql-armor validation rules;
 * - tokens: graphql-armor's counting lexer, while parsing;
 * - root fields: {@link maxRootFieldsRule};
 * - field suggestions ("Did you mean …") hidden when introspection is off, so errors do not
 *   reveal the schema that introspection would not.
 *
 * Depth and cost treat fragments as the response does: a fragment adds no nesting, so moving
 * a selection into a named fragment changes neither. Introspection's `__schema` is left out
 * of depth and cost (the Sandbox introspection query is deeper than any job query); with
 * introspection off Apollo refuses it anyway.
 */
export function createQueryLimits(config: Pick<Config, 'limits' | 'introspection'>, logger?: Logger): QueryLimits {
  const { limits } = config;
  // graphql-armor's own Apollo wiring reports through a GraphQLError whose message starts
  // "Syntax Error:"; these are not syntax errors, so report our own without the prefix.
  const report = (ctx: ValidationContext | null, error: GraphQLError): void => {
    ctx?.reportError(new GraphQLError(limitMessage(error), { extensions: { code: LIMIT_ERROR_CODE } }));
  };
  const rule = { propagateOnRejection: false, onReject: [report] };
  // The token check throws from a parsing hook, which Apollo treats as an unexpected error.
  // Remember which errors it threw so the hook below can answer them as a 400.
  const tokenRejections = new WeakSet<object>();
  const armor = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: true, ignoreIntrospection: true, ...rule },
    maxAliases: { n: limits.maxAliases, ...rule },
    maxDirectives: { n: limits.maxDirectives, ...rule },
    costLimit: { maxCost: limits.maxCost, flattenFragments: true, ignoreIntrospection: true, ...rule },
    maxTokens: { n: limits.maxTokens, onReject: [(_ctx, error) => void tokenRejections.add(error)] },
    blockFieldSuggestion: { enabled: !config.introspection },
  });
  // graphql-armor's typings name @apollo/server's CommonJS declarations and ours the ESM
  // ones: the same runtime objects, two private `HeaderMap` declarations to TypeScript.
  const { plugins, validationRules } = armor.protect() as unknown as {
    plugins: ApolloServerPlugin<BaseContext>[];
    validationRules: ValidationRule[];
  };

  const tokenLimitAsBadRequest: ApolloServerPlugin<BaseContext> = {
    async unexpectedErrorProcessingRequest({ requestContext, error }) {
      if (!tokenRejections.has(error)) return;
      const requestId = (requestContext.contextValue as { requestId?: unknown }).requestId;
      logger?.info({ requestId, errorCodes: [LIMIT_ERROR_CODE] }, 'graphql request rejected by the token limit');
      // Thrown from this hook, Apollo answers with this error instead of a masked 500.
      throw new GraphQLError(limitMessage(error), { extensions: { code: LIMIT_ERROR_CODE, http: { status: 400 } } });
    },
  };

  return {
    validationRules: [...validationRules, maxRootFieldsRule(limits.maxRootFields)],
    // graphql-armor's token plugin also turns *every* unexpected request error into a
    // GRAPHQL_VALIDATION_FAILED error carrying the raw message, which would show internal
    // messages to clients unmasked; drop that hook and keep only the token-limit case above.
    plugins: [...plugins.map(withoutUnexpectedErrorHook), tokenLimitAsBadRequest],
    hideSchemaDetailsFromClientErrors: !config.introspection,
  };
}

function limitMessage(error: Error): string {
  return error.message.replace(/^Syntax Error: /, '');
}

function withoutUnexpectedErrorHook(plugin: ApolloServerPlugin<BaseContext>): ApolloServerPlugin<BaseContext> {
  const { unexpectedErrorProcessingRequest: _dropped, ...rest } = plugin;
  return rest;
}
