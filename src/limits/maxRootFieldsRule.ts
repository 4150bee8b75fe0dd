import {
  GraphQLError,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { selectedFields } from './rootFields.ts';

/**
 * Most root fields an operation may have: a dashboard asks a few `jobs`/`listJobs` fields at once,
 * and `jobs(ids:)` takes many jobs in one field, so 20 is room for any page while bounding the
 * fan-out of an operation of many aliased `job` fields. Fixed (was JOBGRAPH_MAX_ROOT_FIELDS).
 */
const MAX_ROOT_FIELDS = 20;

/**
 * Rejects an operation with more than `max` root fields (default MAX_ROOT_FIELDS): "Root fields
 * limit of 20 exceeded, found 21.". Each root field is one resolver call and, for `job`,
 * `jobs` and the provider fields, one or more upstream calls, so this bounds the fan-out that
 * depth and cost limits, which look at nesting, do not see.
 *
 * Counted as graphql-js executes them: the distinct response keys of the root selection set
 * after following inline fragments and fragment spreads. So aliases count one each
 * (`a: job(…) b: job(…)` is 2), fragments cannot hide fields, and `__typename`, `_service`
 * and `_entities` count like any other field; a field repeated under the same response key
 * runs once and counts once. `@skip`/`@include` are not evaluated (variables are unknown at
 * validation), so a conditional field counts.
 */
export function maxRootFieldsRule(max: number = MAX_ROOT_FIELDS): ValidationRule {
  return (context) => ({
    OperationDefinition(node) {
      const found = countRootFields(context, node.selectionSet);
      if (found > max) {
        context.reportError(
          new GraphQLError(`Root fields limit of ${max} exceeded, found ${found}.`, {
            nodes: [node],
          }),
        );
      }
    },
  });
}

/** Distinct response keys of a root selection set, fragments followed once each (cycles are another rule's error). */
function countRootFields(
  context: Pick<ValidationContext, 'getFragment'>,
  selectionSet: SelectionSetNode,
): number {
  const fields = selectedFields(selectionSet, (name) => context.getFragment(name));
  return new Set(fields.map((field) => field.alias?.value ?? field.name.value)).size;
}
