import { Kind, type ValidationRule } from 'graphql';
import { isSchemaIntrospection, type CountedNode } from './countedNode.ts';
import { refuseOverLimit } from './operationLimit.ts';

/**
 * Rejects an operation nested deeper than `max` fields (`config.limits.maxDepth`,
 * JOBGRAPH_MAX_DEPTH, default 12): "Query depth limit of 12 (JOBGRAPH_MAX_DEPTH) exceeded, found 13.".
 *
 * Counted as the response nests: a fragment (inline or spread) adds no level, and
 * introspection's `__schema` counts 0 (the Sandbox introspection query is deeper than any job
 * query; with introspection off Apollo refuses it anyway). The count is graphql-armor's
 * `maxDepth` with `flattenFragments` and `ignoreIntrospection`, which this rule replaces.
 */
export function maxDepthRule(max: number): ValidationRule {
  return (context) => {
    // A fragment's depth, measured once per document; -1 while it is being measured (a cycle,
    // which graphql-js's NoFragmentCyclesRule reports).
    const fragmentDepths = new Map<string, number>();
    const depthOf = (node: CountedNode, parentDepth: number): number => {
      if (isSchemaIntrospection(node)) return 0;
      if (node.kind === Kind.FRAGMENT_SPREAD) {
        const name = node.name.value;
        const known = fragmentDepths.get(name);
        if (known !== undefined) return parentDepth + known;
        fragmentDepths.set(name, -1);
        const fragment = context.getFragment(name);
        if (!fragment) return parentDepth;
        const depth = depthOf(fragment, 0);
        if (fragmentDepths.get(name) === -1) fragmentDepths.set(name, depth);
        return Math.max(parentDepth, parentDepth + depth);
      }
      let depth = parentDepth;
      for (const child of node.selectionSet?.selections ?? []) {
        depth = Math.max(
          depth,
          depthOf(child, child.kind === Kind.FIELD ? parentDepth + 1 : parentDepth),
        );
      }
      return depth;
    };
    return refuseOverLimit(
      context,
      { what: 'Query depth', variable: 'JOBGRAPH_MAX_DEPTH', max },
      (operation) => depthOf(operation, 0),
    );
  };
}
