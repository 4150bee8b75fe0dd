import {
  GraphQLError,
  type ASTVisitor,
  type OperationDefinitionNode,
  type ValidationContext,
} from 'graphql';

/** A limit as its refusal names it: "Aliases limit of 30 (JOBGRAPH_MAX_ALIASES) exceeded, found 31.". */
export interface OperationLimit {
  /** What is counted, capitalised ("Aliases", "Query depth"). */
  what: string;
  /** The variable that sets it; none for a fixed limit. */
  variable?: string;
  max: number;
}

/** The visitor of a counting rule: each operation's count, refused when over `limit.max`. */
export function refuseOverLimit(
  context: ValidationContext,
  limit: OperationLimit,
  count: (operation: OperationDefinitionNode) => number,
): ASTVisitor {
  return {
    OperationDefinition(node) {
      const found = count(node);
      if (found > limit.max)
        context.reportError(
          new GraphQLError(
            `${limit.what} limit of ${limit.max}${limit.variable ? ` (${limit.variable})` : ''} exceeded, found ${found}.`,
          ),
        );
    },
  };
}
