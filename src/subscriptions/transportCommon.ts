import type {
  ExecutionResult,
  FormattedExecutionResult,
  GraphQLError,
  GraphQLFormattedError,
} from 'graphql';
import type { Logger } from 'pino';
import { fixedFieldsLogger } from '../logger.ts';
import type { WatchHub } from './hub.ts';
import type { PrepareOptions } from './operation.ts';

/**
 * What both transports (SSE and WebSocket) do alike: prepare a subscription on the one hub with
 * the server's limits, and show its results and errors through the server's `formatError`.
 */
export interface TransportCommon {
  readonly hub: WatchHub;
  readonly prepare: PrepareOptions;
  readonly formatErrors: (errors: readonly GraphQLError[]) => GraphQLFormattedError[];
  readonly formatResult: (result: ExecutionResult) => FormattedExecutionResult;
}

export function transportCommon(
  hub: WatchHub,
  prepare: PrepareOptions,
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
): TransportCommon {
  const formatErrors = (errors: readonly GraphQLError[]): GraphQLFormattedError[] =>
    errors.map((e) => formatError(e.toJSON(), e));
  return {
    hub,
    prepare,
    formatErrors,
    formatResult: (result) =>
      result.errors
        ? { ...result, errors: formatErrors(result.errors) }
        : (result as FormattedExecutionResult),
  };
}

/**
 * The logger of a transport's "subscription started" lines, made once: their fields are fixed and
 * none is a sensitive name (`fixedFieldsLogger`: no redaction by key name, which costs about a
 * hundred times the line itself), and those that never change (`bound`) are written into the
 * child once. Scrubbing by value still applies to every line.
 */
export function startedLog(logger: Logger, bound: Record<string, string | boolean>): Logger {
  return fixedFieldsLogger(logger).child(bound);
}
