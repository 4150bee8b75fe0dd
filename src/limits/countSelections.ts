import { Kind, type ValidationContext } from 'graphql';
import type { CountedNode } from './countedNode.ts';

/**
 * A count over a document's selections: `own(node)` of each node plus its children's, where a
 * fragment spread adds its own and its fragment's count, made once per document (a later spread
 * of the fragment adds that count only; a cycle or an unknown fragment adds 0).
 */
export function countSelections(
  context: ValidationContext,
  own: (node: CountedNode) => number,
): (node: CountedNode) => number {
  // A fragment's count, made once per document; -1 while it is being made (a cycle).
  const fragmentCounts = new Map<string, number>();
  const countOf = (node: CountedNode): number => {
    let count = own(node);
    if (node.kind === Kind.FRAGMENT_SPREAD) {
      const name = node.name.value;
      const known = fragmentCounts.get(name);
      if (known !== undefined) return known;
      fragmentCounts.set(name, -1);
      const fragment = context.getFragment(name);
      if (!fragment) return count;
      const inFragment = countOf(fragment);
      if (fragmentCounts.get(name) === -1) fragmentCounts.set(name, inFragment);
      return count + inFragment;
    }
    for (const child of node.selectionSet?.selections ?? []) count += countOf(child);
    return count;
  };
  return countOf;
}
