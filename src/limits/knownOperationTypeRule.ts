import { GraphQLError, type ValidationRule } from 'graphql';

/**
 * Rejects an operation whose type (query, mutation, subscription) has no root type in the
 * schema, e.g. `mutation { x }` against a schema without `Mutation`. graphql-js 16 does not
 * check this during validation: execution fails with "Schema is not configured to execute
 * mutation operation.", an error without a code that clients would see as a 500. As a
 * validation error it is the client's mistake: GRAPHQL_VALIDATION_FAILED, HTTP 400.
 *
 * Asks the schema, so an operation type becomes valid as soon as the schema defines its root.
 */
export const knownOperationTypeRule: ValidationRule = (context) => ({
  OperationDefinition(node) {
    if (context.getSchema().getRootType(node.operation)) return;
    context.reportError(
      new GraphQLError(
        `This schema does not support ${node.operation} operations: it defines no ${node.operation} root type.`,
        { nodes: [node] },
      ),
    );
  },
});
