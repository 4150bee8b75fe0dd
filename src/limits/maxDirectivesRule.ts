import type { ValidationRule } from 'graphql';
import { countSelections } from './countSelections.ts';
import { refuseOverLimit } from './operationLimit.ts';

/**
 * Most directive uses an operation may have: a job query uses `@skip` and `@include` a few times
 * at most, so 50 (graphql-armor's default) leaves room for generated queries and still bounds the
 * directive-stuffed documents that only cost validation time. Fixed (was JOBGRAPH_MAX_DIRECTIVES).
 */
const MAX_DIRECTIVES = 50;

/**
 * Rejects an operation with more than `max` directive uses (default MAX_DIRECTIVES): "Directives
 * limit of 50 exceeded, found 51.". A fragment's directives count at
 * its first spread with the spread's own; a later spread of the same fragment adds the
 * fragment's count only. The count is graphql-armor's `maxDirectives`, which this rule
 * replaces, kept as it counted.
 */
export function maxDirectivesRule(max: number = MAX_DIRECTIVES): ValidationRule {
  return (context) => {
    const directivesOf = countSelections(context, (node) => node.directives?.length ?? 0);
    return refuseOverLimit(context, { what: 'Directives', max }, (operation) =>
      directivesOf(operation),
    );
  };
}
