import type { ValidationRule } from 'graphql';
import { countSelections } from './countSelections.ts';
import { refuseOverLimit } from './operationLimit.ts';

/**
 * Rejects an operation with more than `max` directive uses (`config.limits.maxDirectives`,
 * JOBGRAPH_MAX_DIRECTIVES, default 50): "Directives limit of 50 (JOBGRAPH_MAX_DIRECTIVES) exceeded,
 * found 51.". A fragment's directives count at
 * its first spread with the spread's own; a later spread of the same fragment adds the
 * fragment's count only. The count is graphql-armor's `maxDirectives`, which this rule
 * replaces, kept as it counted.
 */
export function maxDirectivesRule(max: number): ValidationRule {
  return (context) => {
    const directivesOf = countSelections(context, (node) => node.directives?.length ?? 0);
    return refuseOverLimit(
      context,
      { what: 'Directives', variable: 'JOBGRAPH_MAX_DIRECTIVES', max },
      (operation) => directivesOf(operation),
    );
  };
}
