import { Kind, type ValidationRule } from 'graphql';
import type { CountedNode } from './countedNode.ts';
import { refuseOverLimit } from './operationLimit.ts';

/**
 * Rejects an operation with more than `max` aliases (`config.limits.maxAliases`,
 * JOBGRAPH_MAX_ALIASES, default 30): "Aliases limit of 30 (JOBGRAPH_MAX_ALIASES) exceeded, found 31.". An alias of or to `__typename` does not count; a
 * fragment's aliases count at each spread. The count is graphql-armor's `maxAliases`, which
 * this rule replaces.
 */
export function maxAliasesRule(max: number): ValidationRule {
  return (context) => {
    // A fragment's count, made once per document; -1 while it is being made (a cycle).
    const fragmentAliases = new Map<string, number>();
    const aliasesOf = (node: CountedNode): number => {
      if (node.kind === Kind.FRAGMENT_SPREAD) {
        const name = node.name.value;
        const known = fragmentAliases.get(name);
        if (known !== undefined) return known;
        fragmentAliases.set(name, -1);
        const fragment = context.getFragment(name);
        if (!fragment) return 0;
        const aliases = aliasesOf(fragment);
        if (fragmentAliases.get(name) === -1) fragmentAliases.set(name, aliases);
        return aliases;
      }
      let aliases =
        node.kind === Kind.FIELD &&
        node.alias &&
        node.alias.value !== '__typename' &&
        node.name.value !== '__typename'
          ? 1
          : 0;
      for (const child of node.selectionSet?.selections ?? []) aliases += aliasesOf(child);
      return aliases;
    };
    return refuseOverLimit(
      context,
      { what: 'Aliases', variable: 'JOBGRAPH_MAX_ALIASES', max },
      (operation) => aliasesOf(operation),
    );
  };
}
