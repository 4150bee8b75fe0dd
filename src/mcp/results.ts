import type { CallToolResult } from '@modelcontextprotocol/server';
import type { Admitted } from '../http/authenticator.ts';

/**
 * The most bytes (UTF-8, of the JSON) one tool result's structured content may take: an agent's
 * context is small. A result over it is cut where the tool can say how to ask for the rest.
 */
export const RESULT_BUDGET_BYTES = 16_384;

/** A GraphQL answer as the tools read it. */
export interface GraphAnswer {
  data?: Record<string, unknown> | null;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

/** The bytes `value` takes as JSON. */
function bytesOf(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** A tool's answer: the structured content, and the same JSON as text for clients that read text. */
export function answer(structured: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(structured) }],
    structuredContent: structured,
  };
}

/** A tool's own failure (not the protocol's): the graph's errors, each with its code. */
export function refusal(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** The graph's errors in one line each: `CODE: message`. */
export function errorsText(errors: GraphAnswer['errors']): string {
  return (errors ?? [])
    .map(
      (e) =>
        `${typeof e.extensions?.code === 'string' ? e.extensions.code : 'ERROR'}: ${e.message}`,
    )
    .join('\n');
}

/**
 * The longest prefix of `items` whose result (`build(prefix, cut)`) fits the budget, at least
 * none; `cut` is true when items were left out.
 */
export function fitted<T>(
  items: readonly T[],
  build: (kept: readonly T[], cut: boolean) => Record<string, unknown>,
): Record<string, unknown> {
  let n = items.length;
  let result = build(items, false);
  while (n > 0 && bytesOf(result) > RESULT_BUDGET_BYTES) {
    n -= 1;
    result = build(items.slice(0, n), true);
  }
  return result;
}

/** The newest suffix of `items` that fits, as `fitted` keeps a prefix (log lines: keep the last). */
export function fittedTail<T>(
  items: readonly T[],
  build: (kept: readonly T[], cut: boolean) => Record<string, unknown>,
): Record<string, unknown> {
  let from = 0;
  let result = build(items, false);
  while (from < items.length && bytesOf(result) > RESULT_BUDGET_BYTES) {
    from += 1;
    result = build(items.slice(from), true);
  }
  return result;
}

/** Cuts a string to at most `max` UTF-8 bytes (a field no list can shorten, such as a message). */
export function clip(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  let cut = text.slice(0, max);
  while (Buffer.byteLength(cut, 'utf8') > max - 3) cut = cut.slice(0, -1);
  return `${cut}...`;
}

/** Runs one of the fixed documents as `admitted`, through the same pipeline as /graphql. */
export type RunOperation = (
  admitted: Admitted,
  query: string,
  variables: Record<string, unknown>,
) => Promise<GraphAnswer>;

/** What one tool call has: who asks, and how to ask the graph. */
export interface ToolParts {
  admitted: Admitted;
  run: RunOperation;
  /** The MCP client's name as it introduced itself (for the audit), or null. */
  clientName: () => string | null;
}
