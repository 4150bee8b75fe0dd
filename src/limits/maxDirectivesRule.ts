import { Kind, type ValidationRule } from 'graphql';
import type { CountedNode } from './countedNode.ts';
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
    // A fragment's count, made once per document; -1 while it is being made (a cycle).
    const fragmentDirectives = new Map<string, number>();
    const directivesOf = (node: CountedNode): number => {
      let directives = node.directives?.length ?? 0;
      if (node.kind === Kind.FRAGMENT_SPREAD) {
        const name = node.name.value;
        const known = fragmentDirectives.get(name);
        if (known !== undefined) return known;
        fragmentDirectives.set(name, -1);
        const fragment = context.getFragment(name);
        if (!fragment) return directives;
        const inFragment = directivesOf(fragment);
        if (fragmentDirectives.get(name) === -1) fragmentDirectives.set(name, inFragment);
        return directives + inFragment;
      }
      for (const child of node.selectionSet?.selections ?? []) directives += directivesOf(child);
      return directives;
    };
    return refuseOverLimit(
      context,
      { what: 'Directives', variable: 'JOBGRAPH_MAX_DIRECTIVES', max },
      (operation) => directivesOf(operation),
    );
  };
}
