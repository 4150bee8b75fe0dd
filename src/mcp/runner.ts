import type { ApolloServer } from '@apollo/server';
import type { RequestContext } from '../context.ts';
import type { Admitted } from '../http/authenticator.ts';
import type { RunOperation } from './results.ts';

/**
 * How an MCP tool asks the graph: Apollo Server's `executeOperation` with the caller's own
 * context, made by the same factory as /graphql's (src/context.ts). Apollo's pipeline, not
 * `graphql`'s bare `execute`: its plugins (query limits, the operation log and metrics) and
 * formatError (no secret in a message) then apply to a tool's document as to any request.
 */
export function mcpRunner(
  apollo: ApolloServer<RequestContext>,
  contextOf: (admitted: Admitted) => Promise<RequestContext>,
): RunOperation {
  return async (admitted, query, variables) => {
    const contextValue = await contextOf(admitted);
    const response = await apollo.executeOperation({ query, variables }, { contextValue });
    if (response.body.kind !== 'single')
      throw new Error('an MCP tool’s document asked for an incremental answer');
    return response.body.singleResult;
  };
}
