import { Kind, type ValidationRule } from 'graphql';
import { countSelections } from './countSelections.ts';
import { refuseOverLimit } from './operationLimit.ts';

/**
 * Rejects an operation with more than `max` aliases (`config.limits.maxAliases`,
 * JOBGRAPH_MAX_ALIASES, default 30): "Aliases limit of 30 (JOBGRAPH_MAX_ALIASES) exceeded, found 31.". An alias of or to `__typename` does not count; a
 * fragment's aliases count at each spread. The count is graphql-armor's `maxAliases`, which
 * this rule replaces.
 */
export function maxAliasesRule(max: number): ValidationRule {
  return (context) => {
    const aliasesOf = countSelections(context, (node) =>
      node.kind === Kind.FIELD &&
      node.alias &&
      node.alias.value !== '__typename' &&
      node.name.value !== '__typename'
        ? 1
        : 0,
    );
    return refuseOverLimit(
      context,
      { what: 'Aliases', variable: 'JOBGRAPH_MAX_ALIASES', max },
      (operation) => aliasesOf(operation),
    );
  };
}
